"""The clinic's British date formats, over Django's en_GB ones: dates are written out ("21 November
2026", never "11/21/2026"), and typed day first ("21/11/2026"), with ISO still accepted."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j F Y, H:i"
# The first is how a date field shows a saved date; every one is accepted when typed.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y", "%d.%m.%Y"]
FIRST_DAY_OF_WEEK = 1  # Monday
