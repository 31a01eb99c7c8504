"""Energy statistics: recording power and energy readings, a time-of-use tariff, questions, a chart."""
