"""Services own a transaction each: they load, call the pure rules in `tickets`, and write."""
