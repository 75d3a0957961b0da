{{/* Names ----------------------------------------------------------------------------------- */}}

{{- define "tasks.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tasks.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The admin Service's name: the ServiceMonitor's job label, and the alerts' selector. */}}
{{- define "tasks.adminServiceName" -}}
{{- printf "%s-admin" (include "tasks.fullname" . | trunc 57 | trimSuffix "-") -}}
{{- end -}}

{{- define "tasks.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tasks.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tasks.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tasks.labels" -}}
helm.sh/chart: {{ include "tasks.chart" . }}
{{ include "tasks.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tasks
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "tasks.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tasks.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tasks.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Secrets ---------------------------------------------------------------------------------- */}}

{{/* The Secret the pod reads taskd's secrets from: existingSecret or the chart's. */}}
{{- define "tasks.secretName" -}}
{{- default (include "tasks.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* "true" when the JWT secret comes from the chart's values or existingSecret. */}}
{{- define "tasks.hasJwtSecret" -}}
{{- if or .Values.auth.jwtSecret .Values.secrets.existingSecret -}}true{{- end -}}
{{- end -}}

{{/* "true" when taskd runs without any JWT secret (dev mode). */}}
{{- define "tasks.devMode" -}}
{{- if not (include "tasks.hasJwtSecret" .) -}}true{{- end -}}
{{- end -}}

{{/* The Secret daprd's API token is in (the injector reads its key "token"). */}}
{{- define "tasks.daprTokenSecretName" -}}
{{- if .Values.dapr.apiToken.existingSecret -}}
{{- .Values.dapr.apiToken.existingSecret -}}
{{- else if .Values.dapr.apiToken.value -}}
{{- include "tasks.fullname" . -}}
{{- else -}}
{{- include "tasks.secretName" . -}}
{{- end -}}
{{- end -}}

{{/* "true" when the chart makes its own Secret. */}}
{{- define "tasks.createSecret" -}}
{{- $v := .Values -}}
{{- if and (not $v.secrets.existingSecret) (or $v.auth.jwtSecret $v.admin.token (eq $v.database.mode "postgresql")) -}}true
{{- else if and $v.dapr.apiToken.enabled $v.dapr.apiToken.value (not $v.dapr.apiToken.existingSecret) -}}true
{{- end -}}
{{- end -}}

{{/* Pods ------------------------------------------------------------------------------------- */}}

{{- define "tasks.sqlite" -}}
{{- if eq .Values.database.mode "sqlite" -}}true{{- end -}}
{{- end -}}

{{/* "true" when there may be more than one pod. */}}
{{- define "tasks.multiPod" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) -}}true{{- end -}}
{{- end -}}

{{- define "tasks.adminAddr" -}}
{{- if .Values.admin.enabled -}}
{{- printf "0.0.0.0:%d" (int .Values.admin.port) -}}
{{- else -}}
{{- printf "127.0.0.1:%d" (int .Values.admin.port) -}}
{{- end -}}
{{- end -}}

{{/*
Seconds of a taskd duration (`500ms`, `5s`, `2m`, `1h`, a bare number = seconds), rounded up.
Call with (dict "name" "TASKS_SHUTDOWN_DRAIN" "value" "5s").
*/}}
{{- define "tasks.durationSeconds" -}}
{{- $v := toString .value | trim -}}
{{- if not (regexMatch "^[0-9]+(ms|s|m|h)?$" $v) -}}
{{- fail (printf "config.%s: %q is not a duration (a whole number with ms, s, m or h)" .name $v) -}}
{{- end -}}
{{- $n := regexFind "^[0-9]+" $v | int -}}
{{- $unit := trimPrefix (regexFind "^[0-9]+" $v) $v -}}
{{- if eq $unit "ms" -}}{{- div (add $n 999) 1000 -}}
{{- else if eq $unit "m" -}}{{- mul $n 60 -}}
{{- else if eq $unit "h" -}}{{- mul $n 3600 -}}
{{- else -}}{{- $n -}}
{{- end -}}
{{- end -}}

{{- define "tasks.drainSeconds" -}}
{{- include "tasks.durationSeconds" (dict "name" "TASKS_SHUTDOWN_DRAIN" "value" (default "5s" (index .Values.config "TASKS_SHUTDOWN_DRAIN"))) -}}
{{- end -}}

{{/* dapr.io/block-shutdown-duration in seconds (classic sidecar only). */}}
{{- define "tasks.blockShutdownSeconds" -}}
{{- $min := add (include "tasks.drainSeconds" . | int) 2 -}}
{{- if kindIs "invalid" .Values.dapr.blockShutdownSeconds -}}
{{- $min -}}
{{- else -}}
{{- int .Values.dapr.blockShutdownSeconds -}}
{{- end -}}
{{- end -}}

{{/* The least terminationGracePeriodSeconds that covers the shutdown. */}}
{{- define "tasks.minGraceSeconds" -}}
{{- $drain := include "tasks.drainSeconds" . | int -}}
{{- $hold := $drain -}}
{{- if and .Values.dapr.enabled (not .Values.dapr.nativeSidecar) -}}
{{- $hold = max $drain (include "tasks.blockShutdownSeconds" . | int) -}}
{{- end -}}
{{- $dapr := 0 -}}
{{- if .Values.dapr.enabled -}}{{- $dapr = int .Values.dapr.gracefulShutdownSeconds -}}{{- end -}}
{{- add $hold $dapr (int .Values.shutdownMarginSeconds) -}}
{{- end -}}

{{- define "tasks.graceSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds -}}
{{- include "tasks.minGraceSeconds" . -}}
{{- else -}}
{{- int .Values.terminationGracePeriodSeconds -}}
{{- end -}}
{{- end -}}

{{/* Kafka broker ports (for the NetworkPolicy). */}}
{{- define "tasks.kafkaPorts" -}}
{{- $ports := list -}}
{{- if .Values.networkPolicy.egress.kafka.ports -}}
{{- range .Values.networkPolicy.egress.kafka.ports -}}{{- $ports = append $ports (int .) -}}{{- end -}}
{{- else -}}
{{- range .Values.pubsub.kafka.brokers -}}
{{- $p := regexFind ":[0-9]+$" . | trimPrefix ":" -}}
{{- if not $p -}}
{{- fail (printf "pubsub.kafka.brokers: %q has no :port (the NetworkPolicy needs it; or set networkPolicy.egress.kafka.ports)" .) -}}
{{- end -}}
{{- $ports = append $ports (int $p) -}}
{{- end -}}
{{- end -}}
{{- $ports | uniq | toJson -}}
{{- end -}}


{{/* The ConfigMap's data (also hashed into checksum/config). */}}
{{- define "tasks.configData" -}}
{{- $v := .Values -}}
{{- range $k, $val := $v.config }}
{{ $k }}: {{ $val | toString | quote }}
{{- end }}
TASKS_HTTP_ADDR: "0.0.0.0:8080"
TASKS_ADMIN_ADDR: {{ include "tasks.adminAddr" . | quote }}
TASKS_PUBSUB_NAME: {{ $v.pubsub.name | quote }}
{{- if include "tasks.sqlite" . }}
TASKS_DB: {{ printf "sqlite:/var/lib/tasks/%s" $v.database.sqlite.file | quote }}
# SQLite's temporary files (big sorts, index builds) go beside the database: the root
# filesystem is read-only.
SQLITE_TMPDIR: "/var/lib/tasks"
{{- end }}
{{- end -}}

{{/* The chart's Secret's data (also hashed into checksum/secret). */}}
{{- define "tasks.secretData" -}}
{{- $v := .Values -}}
{{- if not $v.secrets.existingSecret }}
{{- with $v.auth.jwtSecret }}
TASKS_JWT_SECRET: {{ . | b64enc | quote }}
{{- end }}
{{- if eq $v.database.mode "postgresql" }}
TASKS_DB: {{ $v.database.postgresql.url | b64enc | quote }}
{{- end }}
{{- if and $v.admin.enabled $v.admin.token }}
TASKS_ADMIN_TOKEN: {{ $v.admin.token | b64enc | quote }}
{{- end }}
{{- end }}
{{- if and $v.dapr.apiToken.enabled $v.dapr.apiToken.value (not $v.dapr.apiToken.existingSecret) }}
# daprd's API token: the injector reads the key "token"; taskd sends it as DAPR_API_TOKEN.
token: {{ $v.dapr.apiToken.value | b64enc | quote }}
{{- end }}
{{- end -}}

{{/* The annotation keys of the Dapr 1.18.3 injector (pkg/injector/annotations/annotations.go,
without "dapr.io/"); tests/dapr_keys_test.sh checks this list against that file. */}}
{{- define "tasks.daprAnnotationKeys" -}}
actors-disseminate-timeout api-token-secret app-binding-options-timeout app-channel-address app-health-check-path app-health-probe-interval app-health-probe-timeout app-health-threshold app-id app-max-concurrency app-port app-protocol app-ssl app-token-secret block-shutdown-duration component-container config debug-port disable-builtin-k8s-secret-store disable-init-endpoints enable-api-logging enable-app-health-check enable-debug enable-metrics enable-native-sidecar enable-profiling enabled env env-from-secret graceful-shutdown-seconds grpc-port http-max-request-size http-read-buffer-size inject-pluggable-components internal-grpc-port log-as-json log-level max-body-size metrics-port placement-host-address pluggable-components pluggable-components-sockets-folder read-buffer-size scheduler-host-address sentry-request-jwt-audiences sidecar-cpu-limit sidecar-cpu-request sidecar-image sidecar-listen-addresses sidecar-liveness-probe-delay-seconds sidecar-liveness-probe-period-seconds sidecar-liveness-probe-threshold sidecar-liveness-probe-timeout-seconds sidecar-memory-limit sidecar-memory-request sidecar-readiness-probe-delay-seconds sidecar-readiness-probe-period-seconds sidecar-readiness-probe-threshold sidecar-readiness-probe-timeout-seconds sidecar-seccomp-profile-type sidecar-svc-annotations unix-domain-socket-path volume-mounts volume-mounts-rw
{{- end -}}
