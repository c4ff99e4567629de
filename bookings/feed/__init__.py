"""A therapist's calendar feed: a private, revocable address serving their appointments as `.ics`, for
subscribing in any calendar app (models, services, the feed itself, its views and admin actions)."""
