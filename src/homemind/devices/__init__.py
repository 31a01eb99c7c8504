"""Device backends: implementations of core's DeviceBackend (simulated; MQTT later)."""
