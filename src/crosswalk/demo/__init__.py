"""The demo workspace: a fictional SaaS company's SOC 2 program, in the messy shape real
inventories have. ``crosswalk demo`` and the tests use this one builder, so the demo can
never drift from what is tested."""
