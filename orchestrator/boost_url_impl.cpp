// Boost.URL's compiled part, built once here (Debian packages its headers, not a library).
// Nothing of firedrill lives here.
#include <boost/url/src.hpp>
