"""Pages and API of the mapping area: the team's adjustments to the crosswalk."""
