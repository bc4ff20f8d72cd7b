// Boost.Asio's compiled parts, built once here instead of inline in every file that includes
// Asio (BOOST_ASIO_SEPARATE_COMPILATION, set for every target that links firedrill_faults).
// Nothing of firedrill lives here.
#include <boost/asio/impl/src.hpp>
