// HTTP server on Boost.Beast (see include/etp/net/server.hpp).
