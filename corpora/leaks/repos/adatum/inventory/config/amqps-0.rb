CONNECTION_URL = 'amqps://app:1py-o6z179OKIYsKPhynQS@amqps-3.proseware.internal:5671/landing'.freeze
