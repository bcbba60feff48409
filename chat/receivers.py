"""Programme news reaches the chat channels by signal (programme never imports chat)."""
