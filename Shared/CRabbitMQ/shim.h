#ifndef CRABBITMQ_SHIM_H
#define CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <amqp_framing.h>

/// `amqp_login` is variadic and cannot be called from Swift; this fixes its arguments.
static inline amqp_rpc_reply_t crabbitmq_login_plain(amqp_connection_state_t state, const char *vhost,
                                                     int channel_max, int frame_max, int heartbeat,
                                                     const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

/// Like `crabbitmq_login_plain`, also sending client `properties` (e.g. `connection_name`), which
/// librabbitmq merges with its default client properties and capabilities.
static inline amqp_rpc_reply_t crabbitmq_login_plain_with_properties(amqp_connection_state_t state, const char *vhost,
                                                                     int channel_max, int frame_max, int heartbeat,
                                                                     const amqp_table_t *properties,
                                                                     const char *user, const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

#endif
