"""Stand-ins for outside services the tests cannot reach, each a real server on the loopback address."""
