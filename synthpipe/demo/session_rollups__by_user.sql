-- Per-user session roll-ups joined to user attributes: the demo's sensitive query.
--
-- Every aggregate is computed per user on the grouped rows. In particular the booking
-- count uses FILTER on the group; a correlated sub-query on an unqualified user_id would
-- silently count every user's bookings instead of this user's.
-- Plain SQL that runs unchanged on DuckDB, PostgreSQL and SQLite (>= 3.30). Averages are
-- rounded as DECIMAL: PostgreSQL rounds a double half-to-even, DuckDB half-away-from-zero,
-- while all three round a decimal half-away-from-zero, so the result is the same everywhere.
WITH session_rollups AS (
    SELECT
        s.user_id,
        count(*) AS number_of_actions_taken,
        count(DISTINCT s.action) AS number_of_unique_actions,
        CAST(round(CAST(avg(s.secs_elapsed) AS DECIMAL(18, 3))) AS BIGINT) AS avg_session_time_seconds,
        CAST(round(CAST(min(s.secs_elapsed) AS DECIMAL(18, 3))) AS BIGINT) AS min_session_time_seconds,
        CAST(round(CAST(max(s.secs_elapsed) AS DECIMAL(18, 3))) AS BIGINT) AS max_session_time_seconds,
        count(*) FILTER (WHERE s.action_type = 'booking_request') AS total_bookings
    FROM sessions AS s
    GROUP BY s.user_id
)
SELECT
    u.id AS user_id,
    u.gender,
    u.age,
    u.language,
    u.signup_method,
    u.date_account_created,
    r.number_of_actions_taken,
    r.number_of_unique_actions,
    r.avg_session_time_seconds,
    r.min_session_time_seconds,
    r.max_session_time_seconds,
    r.total_bookings
FROM users AS u
JOIN session_rollups AS r ON r.user_id = u.id
ORDER BY u.id
