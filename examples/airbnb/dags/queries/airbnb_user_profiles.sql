-- User profiles from the app's users table alone: a second data set fronted by the DAG factory.
SELECT
    u.id AS user_id,
    u.gender,
    u.age,
    u.language,
    u.signup_method,
    u.signup_flow,
    u.affiliate_channel,
    u.signup_app,
    u.date_account_created,
    u.date_first_booking
FROM users AS u
ORDER BY u.id
