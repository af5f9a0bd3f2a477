// Placeholder: live view and metrics are being written.
