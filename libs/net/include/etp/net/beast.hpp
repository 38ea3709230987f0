#pragma once
// Boost.Asio and Boost.Beast, included in one place. Boost 1.74's asio/awaitable.hpp uses
// std::exchange without including <utility>, which GCC 12 in C++20 mode does not pull in
// otherwise; including it first is the whole fix.

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
