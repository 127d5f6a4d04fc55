-- Sessions rolled up per action type, action detail and device: a GROUP BY result, one row per
-- combination of its three labels, a third query to put a synthetic copy in front of (swap it
-- into pipeline.yaml's `query`).
--
-- The engine finds that each combination of the three labels is one row (its cells) and gives
-- every synthetic row a combination of its own (a null detail is a group of its own, as in SQL),
-- the counts and averages drawn given it; the privacy filters judge the rows without the labels
-- and refill a dropped row on its combination. Rare actions come back merged as `_RARE_`, which
-- may repeat: it stands for several real values.
SELECT
    action_type,
    action_detail,
    device_type,
    count(*) AS actions,
    count(DISTINCT user_id) AS users,
    round(avg(secs_elapsed), 1) AS avg_secs
FROM sessions
GROUP BY action_type, action_detail, device_type
ORDER BY actions DESC, action_type, action_detail, device_type
