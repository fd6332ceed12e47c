"""The hotline's rule book: ticket types, workflow, routing, SLA clocks and the business calendar.

Pure code: nothing here reads the clock, the database or the network; time comes in as `now`.
"""
