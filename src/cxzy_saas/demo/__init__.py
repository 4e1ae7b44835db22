"""The demo committee: a realistic campaign year built on a simulated clock (``build``), with
names (``names``), texts (``texts``) and the schedule of a branch's year (``year``)."""
