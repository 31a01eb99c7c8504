"""Real devices over MQTT: Home Assistant discovery and Zigbee2MQTT, behind core's DeviceBackend."""

from homemind.devices.mqtt.backend import MqttBackend

__all__ = ["MqttBackend"]
