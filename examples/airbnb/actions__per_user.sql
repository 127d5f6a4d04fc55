-- Every session action of every user, numbered 1, 2, ... per user, with the user's attributes:
-- a second query to put a synthetic copy in front of (swap it into pipeline.yaml's `query`).
--
-- The engine samples its rows as users (user_id is a key whose values repeat): each synthetic user
-- gets a learned number of actions and one gender and age, and action_number runs 1, 2, ... again
-- within each synthetic user. The window orders by every column, so ties cannot reorder the
-- numbers between runs, and the final ORDER BY fixes each user's rows' order, which the engine
-- learns (same seed, same rows).
SELECT
    s.user_id,
    row_number() OVER (
        PARTITION BY s.user_id
        ORDER BY s.secs_elapsed, s.action, s.action_type, s.action_detail, s.device_type
    ) AS action_number,
    u.gender,
    u.age,
    s.action_type,
    s.device_type,
    s.secs_elapsed
FROM sessions AS s
JOIN users AS u ON u.id = s.user_id
ORDER BY s.user_id, action_number
