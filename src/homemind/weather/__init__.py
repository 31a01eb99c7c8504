"""The weather outside and official warnings: Open-Meteo forecasts, CAP 1.2 alert feeds."""

from importlib import resources

from homemind.core import i18n
from homemind.core.yamltext import safe_load

# Replies and notifications by key (replies.yaml): loaded with the package, so any process that
# renders a stored warning notification has them.
i18n.register(safe_load(resources.files("homemind.weather").joinpath("replies.yaml").read_text("utf-8")))
