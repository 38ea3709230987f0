#include "etp/service/run_main.hpp"
#include "gateway_app.hpp"

int main(int argc, char** argv) {
    return etp::service::run_main<etp::gateway::GatewayConfig>(
        argc, argv, {"api-gateway", etp::gateway::make_config_spec, etp::gateway::run_gateway});
}
