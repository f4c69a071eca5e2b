-- Databases and least-privilege roles of the stack; idempotent (run by `make up` on every start
-- and by compose's first start). Passwords come in as psql variables.
--   tasks_owner            owns the tasks database; runs task-api's migrations (and so owns the
--                          outbox publication)
--   task_api               task-api at run time: DML on the tables the migrations grant, no DDL
--   task_relay             the outbox relay: REPLICATION plus SELECT on the outbox, nothing else
--   task_reminders         the reminder scheduler: reads tasks, records reminders, writes the
--                          outbox (column grants in task-api's migration 0004)
--   notifications_owner    owns the notifications database; runs its migrations
--   notification_consumer  the notification service at run time: DML only
--   keycloak               owns Keycloak's own database
--   monitoring             postgres_exporter: pg_monitor (statistics only, no table data)

SELECT format('CREATE ROLE %I LOGIN', role)
FROM unnest(ARRAY['tasks_owner', 'task_api', 'task_relay', 'task_reminders', 'notifications_owner',
                  'notification_consumer', 'keycloak', 'monitoring']) AS role
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role)
\gexec

ALTER ROLE tasks_owner PASSWORD :'tasks_owner_password';
ALTER ROLE task_api PASSWORD :'task_api_password';
ALTER ROLE task_relay REPLICATION PASSWORD :'task_relay_password';
ALTER ROLE task_reminders PASSWORD :'task_reminders_password';
ALTER ROLE notifications_owner PASSWORD :'notifications_owner_password';
ALTER ROLE notification_consumer PASSWORD :'notification_consumer_password';
ALTER ROLE keycloak PASSWORD :'keycloak_password';
ALTER ROLE monitoring PASSWORD :'monitoring_password';
SELECT 'GRANT pg_monitor TO monitoring'
WHERE NOT pg_has_role('monitoring', 'pg_monitor', 'MEMBER')
\gexec

SELECT format('CREATE DATABASE %I OWNER %I', db, owner)
FROM (VALUES ('tasks', 'tasks_owner'), ('notifications', 'notifications_owner'),
             ('keycloak', 'keycloak')) AS wanted(db, owner)
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = db)
\gexec

REVOKE ALL ON DATABASE tasks FROM PUBLIC;
GRANT CONNECT ON DATABASE tasks TO task_api, task_relay, task_reminders;
REVOKE ALL ON DATABASE notifications FROM PUBLIC;
GRANT CONNECT ON DATABASE notifications TO notification_consumer;
REVOKE ALL ON DATABASE keycloak FROM PUBLIC;

\connect tasks
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO task_api, task_relay, task_reminders;
ALTER DEFAULT PRIVILEGES FOR ROLE tasks_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO task_api;

\connect notifications
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO notification_consumer;
ALTER DEFAULT PRIVILEGES FOR ROLE notifications_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO notification_consumer;
ALTER DEFAULT PRIVILEGES FOR ROLE notifications_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO notification_consumer;
