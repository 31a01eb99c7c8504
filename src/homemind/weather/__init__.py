"""The weather outside and official warnings: Open-Meteo forecasts, CAP 1.2 alert feeds."""
