"""The weather outside and official warnings: Open-Meteo forecasts, CAP 1.2 alert feeds."""

from importlib import resources

import yaml

from homemind.core import i18n

# Replies and notifications by key (replies.yaml): loaded with the package, so any process that
# renders a stored warning notification has them.
i18n.register(yaml.safe_load(resources.files("homemind.weather").joinpath("replies.yaml").read_text("utf-8")))
