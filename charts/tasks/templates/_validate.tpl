{{/*
Every guard of the chart: a one-line `fail` naming the value. Included by deployment.yaml, so
any rendering (also --show-only of another template) stops on a bad combination.
*/}}
{{- define "tasks.validate" -}}
{{- $v := .Values -}}
{{- $mode := $v.database.mode -}}
{{- if not (has $mode (list "sqlite" "postgresql")) -}}
{{- fail (printf "database.mode: %q is not a database mode; use sqlite or postgresql" (toString $mode)) -}}
{{- end -}}
{{- if eq $mode "sqlite" -}}
{{- if gt (int $v.replicaCount) 1 -}}
{{- fail (printf "replicaCount: %d pods on SQLite cannot work (taskd locks the file: one pod only); use database.mode=postgresql for several replicas" (int $v.replicaCount)) -}}
{{- end -}}
{{- if $v.autoscaling.enabled -}}
{{- fail "autoscaling.enabled: SQLite is one pod only (taskd locks the file); use database.mode=postgresql to autoscale" -}}
{{- end -}}
{{- end -}}
{{- if and (eq $mode "postgresql") (not $v.database.postgresql.url) (not $v.secrets.existingSecret) -}}
{{- fail "database.mode=postgresql needs database.postgresql.url or secrets.existingSecret (with the URL under secrets.keys.databaseUrl)" -}}
{{- end -}}
{{- if and $v.database.postgresql.url (not (regexMatch "^postgres(ql)?://" $v.database.postgresql.url)) -}}
{{- fail "database.postgresql.url: must start with postgresql:// (postgresql://user:pass@host:port/db)" -}}
{{- end -}}
{{- if and $v.auth.jwtSecret (lt (len $v.auth.jwtSecret) 32) -}}
{{- fail (printf "auth.jwtSecret: %d bytes is too short; HS256 needs at least 32 (openssl rand -hex 32)" (len $v.auth.jwtSecret)) -}}
{{- end -}}
{{- if include "tasks.devMode" . -}}
{{- if not $v.auth.allowDevMode -}}
{{- fail "auth.jwtSecret: no JWT secret and auth.allowDevMode=false; set auth.jwtSecret (at least 32 bytes) or secrets.existingSecret" -}}
{{- end -}}
{{- if include "tasks.multiPod" . -}}
{{- fail "auth.jwtSecret: dev mode gives every pod its own random secret, so with several pods tokens fail at random; set auth.jwtSecret or secrets.existingSecret" -}}
{{- end -}}
{{- end -}}
{{- if and $v.admin.enabled (not $v.admin.token) (not $v.secrets.existingSecret) -}}
{{- fail "admin.enabled: the admin API on a non-loopback address needs a token; set admin.token or secrets.existingSecret (key secrets.keys.adminToken)" -}}
{{- end -}}
{{- if and $v.metrics.serviceMonitor.enabled (not $v.admin.enabled) -}}
{{- fail "metrics.serviceMonitor.enabled: /metrics is on the admin port, which is loopback unless admin.enabled=true (with an admin token)" -}}
{{- end -}}
{{- if and $v.dapr.enabled $v.dapr.apiToken.enabled (not $v.dapr.apiToken.value) (not $v.dapr.apiToken.existingSecret) (not $v.secrets.existingSecret) -}}
{{- fail "dapr.apiToken.enabled: set dapr.apiToken.value, dapr.apiToken.existingSecret or secrets.existingSecret (key token)" -}}
{{- end -}}
{{- range $k, $_ := $v.config -}}
{{- if has $k (list "TASKS_DB" "TASKS_JWT_SECRET" "TASKS_ADMIN_TOKEN" "DAPR_API_TOKEN" "TASKS_HTTP_ADDR" "TASKS_ADMIN_ADDR" "TASKS_PUBSUB_NAME" "TASKS_REPLICA_ID") -}}
{{- fail (printf "config.%s: set by the chart (secrets, database, admin, pubsub.name or the pod name); remove it from config" $k) -}}
{{- end -}}
{{- end -}}
{{- if $v.dapr.enabled -}}
{{- $reserved := list 8080 3500 3501 50001 50002 (int $v.admin.port) -}}
{{- if and $v.dapr.metricsEnabled (has (int $v.dapr.metricsPort) $reserved) -}}
{{- fail (printf "dapr.metricsPort: %d is already used in the pod (taskd 8080 and admin %d, daprd 3500, 3501, 50001, 50002)" (int $v.dapr.metricsPort) (int $v.admin.port)) -}}
{{- end -}}
{{- if has (int $v.admin.port) (list 8080 3500 3501 50001 50002) -}}
{{- fail (printf "admin.port: %d is already used in the pod (taskd 8080, daprd 3500, 3501, 50001, 50002)" (int $v.admin.port)) -}}
{{- end -}}
{{- $known := splitList " " (include "tasks.daprAnnotationKeys" . | trim) -}}
{{- range $k, $_ := $v.dapr.extraAnnotations -}}
{{- if not (has (trimPrefix "dapr.io/" $k) $known) -}}
{{- fail (printf "dapr.extraAnnotations: %q is not an annotation of the Dapr 1.18 injector (a misspelt key is silently ignored)" $k) -}}
{{- end -}}
{{- end -}}
{{- if not $v.dapr.nativeSidecar -}}
{{- $minBlock := add (include "tasks.drainSeconds" . | int) 2 -}}
{{- if lt (include "tasks.blockShutdownSeconds" . | int) $minBlock -}}
{{- fail (printf "dapr.blockShutdownSeconds: %s is too short; daprd must outlive taskd's drain: at least TASKS_SHUTDOWN_DRAIN + 2 = %d" (include "tasks.blockShutdownSeconds" .) $minBlock) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $min := include "tasks.minGraceSeconds" . | int -}}
{{- if lt (include "tasks.graceSeconds" . | int) $min -}}
{{- fail (printf "terminationGracePeriodSeconds: %s is too short; the shutdown needs at least %d (drain or block-shutdown + daprd's graceful shutdown + shutdownMarginSeconds)" (include "tasks.graceSeconds" .) $min) -}}
{{- end -}}
{{- if and $v.pubsub.component.create (not $v.pubsub.kafka.brokers) -}}
{{- fail "pubsub.kafka.brokers: the Component needs at least one broker (host:port); or set pubsub.component.create=false" -}}
{{- end -}}
{{- $k := $v.pubsub.kafka -}}
{{- if $v.pubsub.component.create -}}
{{- if eq $k.authType "password" -}}
{{- if or (not $k.sasl.username) (not $k.sasl.passwordSecretRef.name) -}}
{{- fail "pubsub.kafka.authType=password needs pubsub.kafka.sasl.username and pubsub.kafka.sasl.passwordSecretRef.name" -}}
{{- end -}}
{{- else if eq $k.authType "mtls" -}}
{{- if or (not $k.tls.clientCertSecretRef.name) (not $k.tls.clientKeySecretRef.name) -}}
{{- fail "pubsub.kafka.authType=mtls needs pubsub.kafka.tls.clientCertSecretRef.name and pubsub.kafka.tls.clientKeySecretRef.name" -}}
{{- end -}}
{{- if $k.tls.disable -}}
{{- fail "pubsub.kafka.tls.disable: mTLS needs TLS" -}}
{{- end -}}
{{- else if eq $k.authType "oidc" -}}
{{- if or (not $k.oidc.tokenEndpoint) (not $k.oidc.clientID) (not $k.oidc.clientSecretSecretRef.name) -}}
{{- fail "pubsub.kafka.authType=oidc needs pubsub.kafka.oidc.tokenEndpoint, clientID and clientSecretSecretRef.name" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
