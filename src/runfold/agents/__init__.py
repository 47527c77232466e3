"""Running sweeps: the controller that decides for a sweep over a store
(``controller``: create, hand out runs, judge early termination), its twin over a
server's HTTP API (``client``), and the agent that runs the proposals
(``runner``: a function in this process, or the definition's program)."""
