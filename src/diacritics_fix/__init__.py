"""diacritics-fix: give Vietnamese text its diacritics back.

>>> from diacritics_fix import restore
>>> restore("Cac dang bo truc thuoc Thanh uy")
'Các đảng bộ trực thuộc Thành ủy'
"""

from .options import Options
from .restorer import Change, Restorer, restore

__all__ = ["Change", "Options", "Restorer", "restore", "__version__"]
__version__ = "0.1.0"
