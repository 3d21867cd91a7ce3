-- The greetings the site says; created by the `schema` unit before `web` deploys.
CREATE TABLE greetings (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL
);
INSERT INTO greetings (id, text) VALUES (1, 'Hello from sluice');
