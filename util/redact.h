// Secrets out of everything stackgate prints or writes: one place that knows
// what a secret looks like. Masks with "***".
//
//   URL userinfo         postgres://app:pw@db/app       -> postgres://app:***@db/app
//                        (the password ends at the last '@', so an
//                        unencoded '#', '/' or '?' in it is masked too)
//   secret options       ?password=x, ?rdkafka.sasl.password=x,
//                        ?rdkafka.ssl.key.password=x, ?token=x -> =***
//   credential headers   ?header=Authorization:Bearer x -> header=Authorization:***
//   source lines         DATABASE_PASSWORD=x, api_token: x, - SECRET_KEY=x,
//                        environment: {DB_PASSWORD: x}, [DB_PASSWORD=x]
//                        (a key naming a password, secret, token or key)
#pragma once

#include <string>
#include <string_view>

namespace stackgate::util {

inline constexpr std::string_view k_redacted = "***";

/// True for a name whose value is a secret: it contains "password",
/// "passwd", "secret", "token" or "credential" (any case), or has "key" as
/// a word of its own (SECRET_KEY, x-api-key, apiKey, APIKEY; not monkey or
/// KEYCLOAK_URL), and does not end in "file", "location" or "path"
/// (password_file names a path).
bool is_secret_name(std::string_view name);

/// True for an HTTP header whose value is a credential (Authorization,
/// Proxy-Authorization, Cookie, or a secret-looking name like X-Api-Key).
bool is_secret_header(std::string_view name);

/// One URL with its password and secret options masked.
std::string redact_url(std::string_view url);

/// Free text (an error message, a probe's reason): every URL in it redacted.
std::string redact_text(std::string_view text);

/// A source line quoted in a diagnostic: redact_text; the value of every
/// secret-looking item of a one-line flow collection ({KEY: v, ...},
/// [KEY=v, ...]) masked; and when the line is `name: value` / `name=value` /
/// `- name=value` / `export name=value` with a secret-looking name,
/// everything after the name masked.
std::string redact_line(std::string_view line);

}  // namespace stackgate::util
