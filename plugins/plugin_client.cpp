// Running plugins through a CommandRunner, and copying plugin executables to targets.
#include "plugins/plugin_client.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>

#include "faults/runtime_support.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kPluginPrefix = "firedrill-plugin-";
// Stdout beyond this many bytes is fetched in further reads of this size (the runner captures
// at most kMaxCapturedOutput per stream).
constexpr std::size_t kChunkBytes = 48 * 1024;
// Stderr kept per call.
constexpr std::size_t kMaxStderrBytes = 16 * 1024;
// Base64 text per install command (a shell command line holds at most 128 KiB in one word): 800
// lines of 76 characters and a newline.
constexpr std::size_t kInstallChunkBytes = 77 * 800;
constexpr Duration kHousekeepingTimeout = std::chrono::seconds(30);
constexpr std::string_view kHeader = "FIREDRILL-PLUGIN ";

// A path as one shell word; a leading "~/" stays relative to the target user's $HOME.
std::string PathWord(const std::string& path) {
  if (path.rfind("~/", 0) == 0) return "\"$HOME\"/" + ShellQuote(path.substr(2));
  return ShellQuote(path);
}

std::string FirstLine(std::string_view text) {
  while (!text.empty() && (text.front() == '\n' || text.front() == '\r')) text.remove_prefix(1);
  std::string_view line = text.substr(0, text.find('\n'));
  if (line.size() > 200) line = line.substr(0, 200);
  return std::string(line);
}

std::string StderrNote(const std::string& err) {
  std::string line = FirstLine(err);
  return line.empty() ? "" : fmt::format(" (stderr: {})", line);
}

std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4 + data.size() / 57 + 1);
  std::size_t line = 0;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    const std::uint32_t b0 = static_cast<unsigned char>(data[i]);
    const std::uint32_t b1 = i + 1 < data.size() ? static_cast<unsigned char>(data[i + 1]) : 0;
    const std::uint32_t b2 = i + 2 < data.size() ? static_cast<unsigned char>(data[i + 2]) : 0;
    const std::uint32_t n = (b0 << 16) | (b1 << 8) | b2;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[n & 63] : '=';
    line += 4;
    if (line >= 76) {
      out += '\n';
      line = 0;
    }
  }
  if (line != 0) out += '\n';
  return out;
}

Expected<std::string> Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    return Error("SHA-256 failed (OpenSSL)");
  }
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

// The shell command that runs one request; see PluginClient::Call.
std::string WrapperCommand(const std::string& path, const PluginRequest& request,
                           const std::string& body) {
  const std::string marker = "FIREDRILL_REQUEST_" + RandomHex();
  std::string env;
  for (const auto& [key, value] : PluginRequestEnv(request)) {
    env += fmt::format("{}={} ", key, ShellQuote(value));
  }
  return fmt::format(
      "d=$(mktemp -d \"${{TMPDIR:-/tmp}}/firedrill-plugin.XXXXXX\") || exit 125\n"
      "keep=0\n"
      "trap 'if [ \"$keep\" != 1 ]; then rm -rf \"$d\"; fi' EXIT\n"
      "trap 'exit 143' TERM INT HUP\n"
      "{}{} >\"$d/out\" 2>\"$d/err\" <<'{}'\n{}\n{}\n"
      "rc=$?\n"
      "size=$(wc -c <\"$d/out\")\n"
      "size=$((size + 0))\n"
      "printf '{}%s %s %s\\n' \"$rc\" \"$size\" \"$d\"\n"
      "dd if=\"$d/err\" bs={} count=1 >&2 2>/dev/null\n"
      "if [ \"$size\" -le {} ]; then cat \"$d/out\"; elif [ \"$size\" -le {} ]; then keep=1; fi\n"
      "exit 0\n",
      env, PathWord(path), marker, body, marker, kHeader, kMaxStderrBytes, kChunkBytes,
      kMaxPluginResponseBytes);
}

}  // namespace

std::string PluginNameOf(const std::string& path) {
  std::string file = std::filesystem::path(path).filename().string();
  if (file.rfind(kPluginPrefix, 0) == 0 && file.size() > kPluginPrefix.size()) {
    return file.substr(kPluginPrefix.size());
  }
  return file;
}

std::string RemotePluginPath(const std::string& local_path) {
  return "~/.cache/firedrill/plugins/" + std::filesystem::path(local_path).filename().string();
}

PluginClient::PluginClient(CommandRunner& runner, std::string name, std::string path)
    : runner_(runner), name_(std::move(name)), path_(std::move(path)) {}

asio::awaitable<Expected<PluginResponse>> PluginClient::Call(const PluginRequest& request,
                                                             Duration timeout, RunHooks hooks) {
  Expected<PluginResponse> r = co_await CallAllowRefusal(request, timeout, std::move(hooks));
  if (!r) co_return r;
  if (!r->ok) {
    co_return Error(
        fmt::format("plugin {} {}: refused: {}{}", name_, PluginActionName(request.action),
                    r->message.empty() ? "(no message)" : r->message, StderrNote(r->stderr_text)));
  }
  co_return r;
}

asio::awaitable<Expected<PluginResponse>> PluginClient::CallAllowRefusal(
    const PluginRequest& request, Duration timeout, RunHooks hooks) {
  const std::string_view act = PluginActionName(request.action);
  const std::string body = EncodePluginRequest(request);
  if (body.size() > kMaxPluginRequestBytes) {
    co_return Error(fmt::format("plugin {} {}: request of {} bytes exceeds the {} byte limit",
                                name_, act, body.size(), kMaxPluginRequestBytes));
  }
  Expected<CommandResult> result =
      co_await runner_.Run(WrapperCommand(path_, request, body), timeout, std::move(hooks));
  if (!result) {
    co_return Error(fmt::format("plugin {} {}: could not run {} on {}: {}", name_, act, path_,
                                runner_.Describe(), result.error().message));
  }
  if (result->timed_out) {
    co_return Error(fmt::format("plugin {} {}: timed out after {} (killed)", name_, act,
                                FormatDuration(timeout)));
  }
  if (result->exit_code != 0 || result->out.rfind(kHeader, 0) != 0) {
    co_return Error(fmt::format("plugin {} {}: could not run {} on {}: {}", name_, act, path_,
                                runner_.Describe(), SummarizeFailure(*result, timeout)));
  }
  // Header: "FIREDRILL-PLUGIN <exit> <size> <dir>\n".
  const std::size_t eol = result->out.find('\n');
  std::istringstream header(result->out.substr(kHeader.size(), eol - kHeader.size()));
  int rc = -1;
  std::size_t size = 0;
  std::string dir;
  header >> rc >> size >> dir;
  std::string out = eol == std::string::npos ? "" : result->out.substr(eol + 1);
  const std::string& err = result->err;
  if (rc != 0) {
    co_return Error(
        fmt::format("plugin {} {}: {} exited {}{}", name_, act, path_, rc, StderrNote(err)));
  }
  if (size > kMaxPluginResponseBytes) {
    co_return Error(fmt::format("plugin {} {}: response of {} bytes exceeds the {} byte limit",
                                name_, act, size, kMaxPluginResponseBytes));
  }
  if (size > kChunkBytes) {
    // The wrapper kept the output in `dir`: fetch it in pieces, then remove it.
    out.clear();
    const std::string d = ShellQuote(dir);
    for (std::size_t i = 0; i * kChunkBytes < size; ++i) {
      Expected<CommandResult> piece = co_await runner_.Run(
          fmt::format("dd if={}/out bs={} skip={} count=1 2>/dev/null", d, kChunkBytes, i),
          kHousekeepingTimeout);
      if (!piece || !piece->ok()) {
        (void)co_await runner_.Run("rm -rf " + d, kHousekeepingTimeout);
        co_return Error(
            fmt::format("plugin {} {}: could not read its {} byte response", name_, act, size));
      }
      out += piece->out;
    }
    (void)co_await runner_.Run("rm -rf " + d, kHousekeepingTimeout);
  }
  if (out.size() != size) {
    co_return Error(
        fmt::format("plugin {} {}: read {} of its {} byte response", name_, act, out.size(), size));
  }
  Expected<PluginResponse> r = DecodePluginResponse(out, name_, request.action);
  if (!r) co_return Error(r.error().message + StderrNote(err));
  r->stderr_text = err;
  co_return r;
}

asio::awaitable<Status> InstallPlugin(CommandRunner& runner, std::string local_path,
                                      std::string remote_path) {
  std::ifstream in(local_path, std::ios::binary);
  if (!in) co_return Error(fmt::format("install plugin {}: cannot read it", local_path));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Expected<std::string> hash = Sha256Hex(data);
  if (!hash)
    co_return Error(fmt::format("install plugin {}: {}", local_path, hash.error().message));
  const std::string target = PathWord(remote_path);
  const std::string where = fmt::format("{} on {}", remote_path, runner.Describe());
  const std::string sum_of = "$(sha256sum <\"$f\" 2>/dev/null | cut -c1-64)";

  Expected<CommandResult> probe = co_await RunChecked(
      runner,
      fmt::format("f={}\nif [ -x \"$f\" ] && [ \"{}\" = {} ]; then echo same; else echo copy; fi",
                  target, sum_of, hash.value()),
      kHousekeepingTimeout, "install plugin: compare " + where);
  if (!probe) co_return probe.error();
  if (probe->out.rfind("same", 0) == 0) co_return Status::Ok();

  const std::string part = ShellQuote(".part-" + RandomHex());
  Expected<CommandResult> start = co_await RunChecked(
      runner,
      fmt::format("f={}\nd=$(dirname \"$f\") && mkdir -p \"$d\" && chmod 700 \"$d\" && "
                  "rm -f \"$f\"{}.b64",
                  target, part),
      kHousekeepingTimeout, "install plugin: create the directory of " + where);
  if (!start) co_return start.error();
  const std::string encoded = Base64(data);
  for (std::size_t off = 0; off < encoded.size(); off += kInstallChunkBytes) {
    // Every chunk ends at a line end: kInstallChunkBytes is a multiple of the 77-byte line.
    const std::string marker = "FIREDRILL_PLUGIN_" + RandomHex();
    Expected<CommandResult> chunk = co_await RunChecked(
        runner,
        fmt::format("f={}\ncat >>\"$f\"{}.b64 <<'{}'\n{}{}\n", target, part, marker,
                    std::string_view(encoded).substr(off, kInstallChunkBytes), marker),
        kHousekeepingTimeout, "install plugin: copy " + where);
    if (!chunk) co_return chunk.error();
  }
  Expected<CommandResult> finish = co_await RunChecked(
      runner,
      fmt::format("f={0}\np=\"$f\"{1}\nbase64 -d <\"$p.b64\" >\"$p\" && rm -f \"$p.b64\" && "
                  "[ \"$(sha256sum <\"$p\" | cut -c1-64)\" = {2} ] && chmod 700 \"$p\" && "
                  "mv -f \"$p\" \"$f\" || {{ rm -f \"$p\" \"$p.b64\"; echo 'content hash "
                  "mismatch after copy' >&2; exit 1; }}",
                  target, part, hash.value()),
      kHousekeepingTimeout, "install plugin: check and rename " + where);
  if (!finish) co_return finish.error();
  co_return Status::Ok();
}

}  // namespace firedrill
