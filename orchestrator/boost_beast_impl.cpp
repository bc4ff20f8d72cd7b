// Boost.Beast's and Asio SSL's compiled parts, built once here instead of inline in every file
// that includes them (BOOST_BEAST_SEPARATE_COMPILATION, BOOST_ASIO_SEPARATE_COMPILATION).
// Nothing of firedrill lives here.
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
