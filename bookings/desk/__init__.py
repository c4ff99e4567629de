"""The front desk's own pages: finding a patient, registering one at the desk and inviting them."""
