"""Camera analytics on the gateway: motion, persons, line counts, zones and tamper from frames."""
