"""Topics: what a dataset's tickets are about, found by meaning on the team's own machine.

Ticket texts are embedded by a small static model shipped inside its pip package
(:mod:`journeys.topics.embedding`), grouped into topics and subtopics by scikit-learn and SciPy
(:mod:`journeys.topics.clustering`), labelled by their distinctive words
(:mod:`journeys.topics.labels`) and kept as one versioned topic set per dataset
(:mod:`journeys.topics.storage`), which people curate (:mod:`journeys.topics.curation`).
"""
