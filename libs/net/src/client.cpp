// HTTP client on Boost.Beast (see include/etp/net/client.hpp).
