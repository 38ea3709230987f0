#include "dispatcher_app.hpp"
#include "etp/service/run_main.hpp"

int main(int argc, char** argv) {
    return etp::service::run_main<etp::dispatcher::DispatcherConfig>(
        argc, argv,
        {"dispatcher", etp::dispatcher::make_config_spec, etp::dispatcher::run_dispatcher});
}
