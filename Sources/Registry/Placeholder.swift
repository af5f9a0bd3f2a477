// Placeholder: the Redis registry reader is being written.
