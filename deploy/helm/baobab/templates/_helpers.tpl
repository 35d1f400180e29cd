{{/*
Names, labels and the values every template shares.
Component-level helpers take a dict: (dict "root" $ "component" "gateway").
*/}}

{{/* The chart's name, a DNS label. */}}
{{- define "baobab.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name; components append "-<component>" to it. */}}
{{- define "baobab.fullname" -}}
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

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "baobab.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A component's resource name: the full name (cut so the whole stays a DNS label) and the component. */}}
{{- define "baobab.componentFullname" -}}
{{- printf "%s-%s" (include "baobab.fullname" .root | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{/* Labels of every resource of the release. */}}
{{- define "baobab.labels" -}}
helm.sh/chart: {{ include "baobab.chart" . }}
app.kubernetes.io/name: {{ include "baobab.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: baobab
{{- end -}}

{{/* Selector labels of one component's pods. */}}
{{- define "baobab.selectorLabels" -}}
app.kubernetes.io/name: {{ include "baobab.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of one component's resources. */}}
{{- define "baobab.componentLabels" -}}
{{ include "baobab.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The service account the pods run as. */}}
{{- define "baobab.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "baobab.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The ConfigMap of non-secret settings. */}}
{{- define "baobab.configMapName" -}}
{{- printf "%s-config" (include "baobab.fullname" .) -}}
{{- end -}}

{{/* The Secret the services read: the chart's own, or secrets.existingSecret. */}}
{{- define "baobab.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret -}}
{{- else -}}
{{- printf "%s-secrets" (include "baobab.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
The Secret the migration hook reads. A pre-install hook runs before the release's own
Secret exists, so the chart gives the hook a Secret of its own (itself a hook).
*/}}
{{- define "baobab.migrationSecretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret -}}
{{- else -}}
{{- printf "%s-migrate" (include "baobab.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* A component's image: (dict "root" $ "svc" .Values.<service>). */}}
{{- define "baobab.image" -}}
{{- $tag := .svc.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- $repository := .svc.image.repository -}}
{{- with .root.Values.image.registry -}}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository -}}
{{- end -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}

{{/* The in-cluster URL of a component: (dict "root" $ "component" "nlu" "port" 8001). */}}
{{- define "baobab.componentUrl" -}}
{{- printf "http://%s:%d" (include "baobab.componentFullname" .) (int .port) -}}
{{- end -}}

{{/* The admin key and internal secret, refused when missing or too short. */}}
{{- define "baobab.adminApiKey" -}}
{{- $key := required "secrets.adminApiKey is required (or set secrets.existingSecret)" .Values.secrets.adminApiKey | toString -}}
{{- if and (eq .Values.config.environment "production") (lt (len $key) 32) -}}
{{- fail "secrets.adminApiKey must be at least 32 characters in production" -}}
{{- end -}}
{{- $key -}}
{{- end -}}

{{- define "baobab.internalSecret" -}}
{{- required "secrets.internalSecret is required (or set secrets.existingSecret)" .Values.secrets.internalSecret -}}
{{- end -}}

{{/* BAOBAB_DATABASE_URL: database.url, or one built from its parts (user and password URL-escaped). */}}
{{- define "baobab.databaseUrl" -}}
{{- $db := .Values.database -}}
{{- if $db.url -}}
{{- $db.url -}}
{{- else -}}
{{- $host := required "database.host or database.url is required: Baobab needs an external PostgreSQL (or set secrets.existingSecret)" $db.host -}}
{{- $auth := urlquery $db.user -}}
{{- if $db.password -}}
{{- $auth = printf "%s:%s" $auth (urlquery $db.password) -}}
{{- end -}}
{{- $url := printf "postgresql://%s@%s:%d/%s" $auth $host (int $db.port) $db.name -}}
{{- if $db.sslMode -}}
{{- $url = printf "%s?ssl=%s" $url $db.sslMode -}}
{{- end -}}
{{- $url -}}
{{- end -}}
{{- end -}}

{{/* BAOBAB_REDIS_URL: redis.url, or one built from its parts. */}}
{{- define "baobab.redisUrl" -}}
{{- $redis := .Values.redis -}}
{{- if $redis.url -}}
{{- $redis.url -}}
{{- else -}}
{{- $host := required "redis.host or redis.url is required while redis.enabled (or set secrets.existingSecret)" $redis.host -}}
{{- $scheme := ternary "rediss" "redis" $redis.tls -}}
{{- $auth := "" -}}
{{- if $redis.password -}}
{{- $auth = printf "%s:%s@" (urlquery $redis.username) (urlquery $redis.password) -}}
{{- end -}}
{{- printf "%s://%s%s:%d/%d" $scheme $auth $host (int $redis.port) (int $redis.db) -}}
{{- end -}}
{{- end -}}
