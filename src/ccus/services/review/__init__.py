"""Review (審査): the queue and 担当, the case screen's read model, corrections and decisions."""
