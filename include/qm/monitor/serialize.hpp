#pragma once
// qm/monitor/serialize.hpp — the persisted state of a live monitor: a compact, versioned byte
// string, or the same fields as JSON; both restore exactly, and anything that is not an intact
// state of the expected kind and version is rejected with a message that says what is wrong.
//
// Synopsis
//   enum class qm::monitor::MonitorKind { shewhart = 1, cusum, ewma, bernoulli_cusum,
//                                         risk_adjusted_cusum, vlad }
//   std::string_view qm::monitor::to_string(MonitorKind)
//   inline constexpr std::uint16_t qm::monitor::state_version = 1
//   MonitorKind qm::monitor::state_kind(std::string_view bytes)        kind of a byte-string state
//   MonitorKind qm::monitor::json_state_kind(std::string_view json)    kind of a JSON state
//
//   template <class T> struct qm::monitor::Fields     specialise: static void visit(Ar&, T&)
//   std::string qm::monitor::save_binary(MonitorKind, const T&)        T has visit(Ar&)
//   void        qm::monitor::load_binary(MonitorKind, std::string_view, T&)
//   std::string qm::monitor::save_json(MonitorKind, const T&)
//   void        qm::monitor::load_json(MonitorKind, std::string_view, T&)
//
// Byte string (all integers little-endian, doubles as their IEEE-754 bits, so every value —
// NaN, −0, the last bit — comes back exactly):
//   offset 0   4 bytes  magic "QMON"
//          4   u16      format version (state_version)
//          6   u8       monitor kind
//          7   u8       0 (reserved)
//          8   u32      payload length L
//         12   L bytes  payload: the monitor's fields in declaration order (vectors as u32 length
//                       and elements, structs as their fields)
//     12 + L   u64      FNV-1a (64-bit) checksum of the 12 + L bytes before it
// JSON: {"format": "qualitymetrics.monitor", "version": 1, "kind": "<kind>", "state": {field: value,
//        ...}, "checksum": "<16 hex digits>"}; a double is a JSON number written with 17
//        significant digits (exact round trip), or "nan", "inf", "-inf"; the checksum is the FNV-1a
//        checksum of the byte string's payload for the same fields, so a hand-edited or damaged
//        value is detected as surely as in the byte string.
//
// Errors (qm::invalid_argument, message "state: ..."): shorter than a header or than the length
// it declares ("truncated"), bytes after the checksum, a wrong magic or format ("not a
// qualitymetrics monitor state"), another version ("version 2 ... this build reads version 1"),
// another kind ("a cusum monitor state, not a shewhart one"), a checksum mismatch
// ("corrupted"), a field that is missing, of the wrong type or out of range (JSON), and — after
// loading — any broken invariant (each monitor's validate_state()).

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <qm/core/error.hpp>

namespace qm::monitor {

enum class MonitorKind : std::uint8_t {
    shewhart = 1,             ///< XmR/MDC, p, np, u, c, p′, u′, g, t, MR, run: any rule set
    cusum = 2,                ///< tabular CUSUM
    ewma = 3,                 ///< EWMA
    bernoulli_cusum = 4,      ///< Bernoulli CUSUM (qicharts2 bchart)
    risk_adjusted_cusum = 5,  ///< Steiner et al. (2000) risk-adjusted CUSUM
    vlad = 6,                 ///< variable life-adjusted display with the EO-CUSUM signalling rule
};

constexpr std::string_view to_string(MonitorKind k) noexcept {
    switch (k) {
        case MonitorKind::shewhart: return "shewhart";
        case MonitorKind::cusum: return "cusum";
        case MonitorKind::ewma: return "ewma";
        case MonitorKind::bernoulli_cusum: return "bernoulli_cusum";
        case MonitorKind::risk_adjusted_cusum: return "risk_adjusted_cusum";
        case MonitorKind::vlad: return "vlad";
    }
    return "unknown";
}

inline constexpr std::uint16_t state_version = 1;
inline constexpr std::string_view state_format = "qualitymetrics.monitor";

/// Specialise for a struct to serialise: `template <class Ar> static void visit(Ar& ar, T& v)`
/// calling ar("name", v.member) for each member.
template <class T>
struct Fields;

MonitorKind state_kind(std::string_view bytes);
MonitorKind json_state_kind(std::string_view json);

template <class T>
std::string save_binary(MonitorKind kind, const T& object);
template <class T>
void load_binary(MonitorKind kind, std::string_view bytes, T& object);
template <class T>
std::string save_json(MonitorKind kind, const T& object);
template <class T>
void load_json(MonitorKind kind, std::string_view json, T& object);

/// save / restore / to_json / from_json for a monitor class M of kind K (CRTP base): M has a
/// default constructor, visit(Ar&) and validate_state(), which the functions above use.
template <class M, MonitorKind K>
struct Persistent {
    std::string save() const { return save_binary(K, static_cast<const M&>(*this)); }
    static M restore(std::string_view bytes) {
        M m;
        load_binary(K, bytes, m);
        return m;
    }
    std::string to_json() const { return save_json(K, static_cast<const M&>(*this)); }
    static M from_json(std::string_view text) {
        M m;
        load_json(K, text, m);
        return m;
    }
};

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail::state {

[[noreturn]] inline void fail(std::string_view problem) { fail_argument("state", problem); }

inline constexpr std::size_t header_size = 12, checksum_size = 8;

inline std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = 0xcbf29ce484222325ull) noexcept {
    for (const char c : bytes) {
        h ^= static_cast<std::uint8_t>(c);
        h *= 0x100000001b3ull;
    }
    return h;
}

inline std::string hex64(std::uint64_t v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(16, '0');
    for (int k = 15; k >= 0; --k, v >>= 4) s[static_cast<std::size_t>(k)] = digits[v & 15];
    return s;
}

template <class T>
concept Structured = requires { sizeof(Fields<T>); };

template <class T>
concept Scalar = std::is_arithmetic_v<T> || std::is_enum_v<T>;

/// Writes fields as bytes.
class BinaryOut {
public:
    static constexpr bool loading = false;
    std::string bytes;

    template <class T>
    void operator()(const char*, const T& v) {
        put(v);
    }

private:
    void raw(std::uint64_t v, int n) {
        for (int k = 0; k < n; ++k, v >>= 8) bytes.push_back(static_cast<char>(v & 0xff));
    }
    template <Scalar T>
    void put(const T& v) {
        if constexpr (std::is_same_v<T, double>) {
            raw(std::bit_cast<std::uint64_t>(v), 8);
        } else if constexpr (std::is_same_v<T, bool>) {
            raw(v ? 1u : 0u, 1);
        } else if constexpr (std::is_enum_v<T>) {
            put(static_cast<std::underlying_type_t<T>>(v));
        } else {
            static_assert(std::is_integral_v<T>, "unsupported field type");
            raw(static_cast<std::uint64_t>(static_cast<std::make_unsigned_t<T>>(v)), static_cast<int>(sizeof(T)));
        }
    }
    template <class T>
    void put(const std::vector<T>& v) {
        if (v.size() > 0xffffffffu) fail("a vector field is too long to save");
        raw(v.size(), 4);
        for (const auto& x : v) put(x);
    }
    template <Structured T>
    void put(const T& v) {
        Fields<T>::visit(*this, const_cast<T&>(v));
    }
};

/// Reads fields from bytes (every read bounds-checked).
class BinaryIn {
public:
    static constexpr bool loading = true;
    explicit BinaryIn(std::string_view b) : bytes_(b) {}
    bool done() const noexcept { return pos_ == bytes_.size(); }

    template <class T>
    void operator()(const char* name, T& v) {
        get(name, v);
    }

private:
    std::string_view bytes_;
    std::size_t pos_ = 0;

    std::uint64_t raw(const char* name, int n) {
        if (bytes_.size() - pos_ < static_cast<std::size_t>(n))
            fail(std::string("corrupted: the payload ends inside field '") + name + "'");
        std::uint64_t v = 0;
        for (int k = 0; k < n; ++k)
            v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(bytes_[pos_ + static_cast<std::size_t>(k)]))
                 << (8 * k);
        pos_ += static_cast<std::size_t>(n);
        return v;
    }
    template <Scalar T>
    void get(const char* name, T& v) {
        if constexpr (std::is_same_v<T, double>) {
            v = std::bit_cast<double>(raw(name, 8));
        } else if constexpr (std::is_same_v<T, bool>) {
            const auto b = raw(name, 1);
            if (b > 1) fail(std::string("corrupted: field '") + name + "' is not a boolean");
            v = b != 0;
        } else if constexpr (std::is_enum_v<T>) {
            std::underlying_type_t<T> u{};
            get(name, u);
            v = static_cast<T>(u);
        } else {
            v = static_cast<T>(static_cast<std::make_unsigned_t<T>>(raw(name, static_cast<int>(sizeof(T)))));
        }
    }
    template <class T>
    void get(const char* name, std::vector<T>& v) {
        const auto n = static_cast<std::size_t>(raw(name, 4));
        if (n > bytes_.size() - pos_)  // every element takes at least one byte
            fail(std::string("corrupted: field '") + name + "' claims more elements than the payload holds");
        v.resize(n);
        for (auto& x : v) get(name, x);
    }
    template <Structured T>
    void get(const char*, T& v) {
        Fields<T>::visit(*this, v);
    }
};

using json = nlohmann::json;

/// Writes fields as a JSON object.
class JsonOut {
public:
    static constexpr bool loading = false;
    json object = json::object();

    template <class T>
    void operator()(const char* name, const T& v) {
        object[name] = encode(v);
    }

private:
    template <Scalar T>
    static json encode(const T& v) {
        if constexpr (std::is_same_v<T, double>) {
            if (std::isnan(v)) return "nan";
            if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
            return v;
        } else if constexpr (std::is_same_v<T, bool>) {
            return v;
        } else if constexpr (std::is_enum_v<T>) {
            return static_cast<std::int64_t>(static_cast<std::underlying_type_t<T>>(v));
        } else if constexpr (std::is_signed_v<T>) {
            return static_cast<std::int64_t>(v);
        } else {
            return static_cast<std::uint64_t>(v);
        }
    }
    template <class T>
    static json encode(const std::vector<T>& v) {
        json a = json::array();
        for (const auto& x : v) a.push_back(encode(x));
        return a;
    }
    template <Structured T>
    static json encode(const T& v) {
        JsonOut sub;
        Fields<T>::visit(sub, const_cast<T&>(v));
        return std::move(sub.object);
    }
};

/// Reads fields from a JSON object; every field must be present and of its type.
class JsonIn {
public:
    static constexpr bool loading = true;
    JsonIn(const json& j, std::string path) : j_(j), path_(std::move(path)) {}

    template <class T>
    void operator()(const char* name, T& v) {
        const std::string where = path_ + "/" + name;
        const auto it = j_.find(name);
        if (it == j_.end()) fail("field '" + where + "' is missing");
        decode(*it, where, v);
    }

private:
    const json& j_;
    std::string path_;

    template <Scalar T>
    static void decode(const json& x, const std::string& where, T& v) {
        if constexpr (std::is_same_v<T, double>) {
            if (x.is_number()) {
                v = x.get<double>();
            } else if (x.is_string()) {
                const auto s = x.get<std::string>();
                if (s == "nan") v = std::numeric_limits<double>::quiet_NaN();
                else if (s == "inf") v = std::numeric_limits<double>::infinity();
                else if (s == "-inf") v = -std::numeric_limits<double>::infinity();
                else fail("field '" + where + "' must be a number, \"nan\", \"inf\" or \"-inf\", got \"" + s + "\"");
            } else {
                fail("field '" + where + "' must be a number, got " + std::string(x.type_name()));
            }
        } else if constexpr (std::is_same_v<T, bool>) {
            if (!x.is_boolean()) fail("field '" + where + "' must be true or false, got " + std::string(x.type_name()));
            v = x.get<bool>();
        } else if constexpr (std::is_enum_v<T>) {
            std::underlying_type_t<T> u{};
            decode(x, where, u);
            v = static_cast<T>(u);
        } else {
            if (!x.is_number_integer()) fail("field '" + where + "' must be an integer, got " + std::string(x.type_name()));
            if constexpr (std::is_signed_v<T>) {
                const auto w = x.is_number_unsigned() ? static_cast<std::int64_t>(std::min<std::uint64_t>(
                                                            x.get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max() / 2))
                                                      : x.get<std::int64_t>();
                if (w < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
                    w > static_cast<std::int64_t>(std::numeric_limits<T>::max()))
                    fail("field '" + where + "' is out of range");
                v = static_cast<T>(w);
            } else {
                if (!x.is_number_unsigned() && x.get<std::int64_t>() < 0) fail("field '" + where + "' must not be negative");
                const auto w = x.is_number_unsigned() ? x.get<std::uint64_t>()
                                                      : static_cast<std::uint64_t>(x.get<std::int64_t>());
                if (w > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) fail("field '" + where + "' is out of range");
                v = static_cast<T>(w);
            }
        }
    }
    template <class T>
    static void decode(const json& x, const std::string& where, std::vector<T>& v) {
        if (!x.is_array()) fail("field '" + where + "' must be an array, got " + std::string(x.type_name()));
        v.resize(x.size());
        for (std::size_t k = 0; k < x.size(); ++k) decode(x[k], where + "/" + std::to_string(k), v[k]);
    }
    template <Structured T>
    static void decode(const json& x, const std::string& where, T& v) {
        if (!x.is_object()) fail("field '" + where + "' must be an object, got " + std::string(x.type_name()));
        JsonIn sub(x, where);
        Fields<T>::visit(sub, v);
    }
};

template <class T>
std::string payload_of(const T& object) {
    BinaryOut out;
    const_cast<T&>(object).visit(out);
    return std::move(out.bytes);
}

inline MonitorKind kind_from_byte(std::uint8_t b) {
    if (b < 1 || b > 6) fail("not a qualitymetrics monitor state (unknown monitor kind " + std::to_string(b) + ")");
    return static_cast<MonitorKind>(b);
}

inline MonitorKind kind_from_name(std::string_view s) {
    for (std::uint8_t b = 1; b <= 6; ++b)
        if (to_string(static_cast<MonitorKind>(b)) == s) return static_cast<MonitorKind>(b);
    fail("not a qualitymetrics monitor state (unknown monitor kind '" + std::string(s) + "')");
}

/// Checks the frame of a byte-string state; returns its kind and payload.
inline std::pair<MonitorKind, std::string_view> open_binary(std::string_view b) {
    if (b.size() < 4 || std::memcmp(b.data(), "QMON", 4) != 0) {
        if (b.size() < 4 && std::string_view("QMON").starts_with(b))
            fail("truncated: " + std::to_string(b.size()) + " bytes, a state has at least " +
                 std::to_string(header_size + checksum_size));
        fail("not a qualitymetrics monitor state (it does not start with \"QMON\")");
    }
    if (b.size() < header_size + checksum_size)
        fail("truncated: " + std::to_string(b.size()) + " bytes, a state has at least " +
             std::to_string(header_size + checksum_size));
    auto u = [&](std::size_t at, int n) {
        std::uint64_t v = 0;
        for (int k = 0; k < n; ++k)
            v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(b[at + static_cast<std::size_t>(k)])) << (8 * k);
        return v;
    };
    const auto version = static_cast<std::uint16_t>(u(4, 2));
    if (version != state_version)
        fail("version " + std::to_string(version) + " is not supported (this build of qualitymetrics reads version " +
             std::to_string(state_version) + ")");
    const MonitorKind kind = kind_from_byte(static_cast<std::uint8_t>(u(6, 1)));
    if (u(7, 1) != 0) fail("corrupted: reserved header byte is not 0");
    const auto length = static_cast<std::size_t>(u(8, 4));
    const std::size_t need = header_size + length + checksum_size;
    if (b.size() < need)
        fail("truncated: " + std::to_string(b.size()) + " bytes, the header declares " + std::to_string(need));
    if (b.size() > need)
        fail("corrupted: " + std::to_string(b.size() - need) + " unexpected bytes after the checksum");
    const std::uint64_t stored = u(header_size + length, 8);
    if (fnv1a(b.substr(0, header_size + length)) != stored) fail("corrupted (checksum mismatch)");
    return {kind, b.substr(header_size, length)};
}

inline void expect_kind(MonitorKind expected, MonitorKind got) {
    if (expected != got)
        fail("this is a " + std::string(to_string(got)) + " monitor state, not a " + std::string(to_string(expected)) +
             " one");
}

inline json parse_json(std::string_view text) {
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        fail(std::string("invalid JSON (truncated or damaged): ") + e.what());
    }
    if (!j.is_object()) fail("not a qualitymetrics monitor state (the JSON is not an object)");
    const auto f = j.find("format");
    if (f == j.end() || !f->is_string() || f->get<std::string>() != state_format)
        fail("not a qualitymetrics monitor state (no \"format\": \"qualitymetrics.monitor\")");
    const auto v = j.find("version");
    if (v == j.end() || !v->is_number_integer()) fail("corrupted: \"version\" is missing or not an integer");
    if (v->get<std::int64_t>() != state_version)
        fail("version " + std::to_string(v->get<std::int64_t>()) +
             " is not supported (this build of qualitymetrics reads version " + std::to_string(state_version) + ")");
    const auto k = j.find("kind");
    if (k == j.end() || !k->is_string()) fail("corrupted: \"kind\" is missing or not a string");
    (void)kind_from_name(k->get<std::string>());
    if (!j.contains("state") || !j["state"].is_object()) fail("corrupted: \"state\" is missing or not an object");
    if (!j.contains("checksum") || !j["checksum"].is_string()) fail("corrupted: \"checksum\" is missing");
    return j;
}

}  // namespace detail::state

inline MonitorKind state_kind(std::string_view bytes) { return detail::state::open_binary(bytes).first; }

inline MonitorKind json_state_kind(std::string_view json) {
    const auto j = detail::state::parse_json(json);
    return detail::state::kind_from_name(j["kind"].get<std::string>());
}

template <class T>
std::string save_binary(MonitorKind kind, const T& object) {
    using namespace detail::state;
    const std::string payload = payload_of(object);
    if (payload.size() > 0xffffffffu) fail("the state is too large to save (over 4 GB)");
    std::string out;
    out.reserve(header_size + payload.size() + checksum_size);
    out.append("QMON", 4);
    auto raw = [&](std::uint64_t v, int n) {
        for (int k = 0; k < n; ++k, v >>= 8) out.push_back(static_cast<char>(v & 0xff));
    };
    raw(state_version, 2);
    raw(static_cast<std::uint8_t>(kind), 1);
    raw(0, 1);
    raw(payload.size(), 4);
    out.append(payload);
    raw(fnv1a(out), 8);
    return out;
}

template <class T>
void load_binary(MonitorKind kind, std::string_view bytes, T& object) {
    using namespace detail::state;
    const auto [got, payload] = open_binary(bytes);
    expect_kind(kind, got);
    BinaryIn in(payload);
    object.visit(in);
    if (!in.done()) fail("corrupted: the payload is longer than the fields it should hold");
    object.validate_state();
}

template <class T>
std::string save_json(MonitorKind kind, const T& object) {
    using namespace detail::state;
    JsonOut out;
    const_cast<T&>(object).visit(out);
    json j;
    j["format"] = state_format;
    j["version"] = state_version;
    j["kind"] = to_string(kind);
    j["state"] = std::move(out.object);
    j["checksum"] = hex64(fnv1a(payload_of(object)));
    return j.dump();
}

template <class T>
void load_json(MonitorKind kind, std::string_view text, T& object) {
    using namespace detail::state;
    const json j = parse_json(text);
    expect_kind(kind, kind_from_name(j["kind"].get<std::string>()));
    JsonIn in(j["state"], "state");
    object.visit(in);
    if (hex64(fnv1a(payload_of(object))) != j["checksum"].get<std::string>())
        fail("corrupted (checksum mismatch: a value was changed after the state was saved)");
    object.validate_state();
}

}  // namespace qm::monitor
