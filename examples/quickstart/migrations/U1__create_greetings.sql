-- Undoes V1: run by `sluice rollback` or when a deployment that applied V1 fails.
DROP TABLE greetings;
