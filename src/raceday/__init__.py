"""raceday: a PostgreSQL store of New Zealand TAB racing markets, partitioned by NZ racing day."""

from raceday.config import Settings, load_settings
from raceday.errors import RacedayError

__all__ = ["RacedayError", "Settings", "__version__", "load_settings"]

__version__ = "0.1.0"
