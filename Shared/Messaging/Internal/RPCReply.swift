import CRabbitMQ

extension amqp_rpc_reply_t {
    /// The error this reply reports, or nil when the call succeeded.
    var error: AMQPError? {
        switch reply_type {
        case AMQP_RESPONSE_NORMAL:
            return nil
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return .connectionLost(reason: libraryErrorText(library_error))
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            return serverException(reply)
        default:
            return .connectionLost(reason: "no reply from the broker")
        }
    }
}

/// The error a server's `channel.close` or `connection.close` method carries.
func serverException(_ method: amqp_method_t) -> AMQPError {
    switch method.id {
    case AMQP_CHANNEL_CLOSE_METHOD:
        let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
        return .channelClosedByServer(code: close.reply_code, text: close.reply_text.string)
    case AMQP_CONNECTION_CLOSE_METHOD:
        let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
        return .connectionClosedByServer(code: close.reply_code, text: close.reply_text.string)
    default:
        return .connectionLost(reason: "unexpected method 0x\(String(method.id, radix: 16)) from the broker")
    }
}

/// librabbitmq's text for a status code.
func libraryErrorText(_ status: Int32) -> String {
    String(cString: amqp_error_string2(status))
}
