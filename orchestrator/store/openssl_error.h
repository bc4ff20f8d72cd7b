// The reason OpenSSL gives for its last failure, for error messages.
#pragma once

#include <string>

namespace firedrill {

/// Returns the first reason in this thread's OpenSSL error queue ("error:...:bad decrypt"), or
/// "no reason given" when it is empty, and clears the queue, so a broken installation or a bad
/// key file is diagnosable from the message alone.
std::string OpenSslReason();

}  // namespace firedrill
