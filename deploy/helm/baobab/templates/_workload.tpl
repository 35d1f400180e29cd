{{/*
One service's Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget.
Each takes (dict "root" $ "key" "<values key>" "component" "<name>" "port" <container port>);
the container port is the one the image's uvicorn listens on. A workload without
`autoscaling` in its values (the vision trainer) has a Deployment of replicaCount pods.
*/}}

{{- define "baobab.deployment" -}}
{{- $root := .root -}}
{{- $svc := index $root.Values .key -}}
{{- $secretName := include "baobab.secretName" $root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "baobab.componentFullname" . }}
  labels:
    {{- include "baobab.componentLabels" . | nindent 4 }}
spec:
  {{- if not (dig "autoscaling" "enabled" false $svc) }}
  replicas: {{ $svc.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "baobab.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "baobab.selectorLabels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- if not $root.Values.secrets.existingSecret }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        {{- end }}
        {{- if $root.Values.metrics.scrapeAnnotations }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ .port | quote }}
        prometheus.io/path: /metrics
        {{- end }}
        {{- with $svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "baobab.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $svc.terminationGracePeriodSeconds }}
      containers:
        - name: {{ .component }}
          image: {{ include "baobab.image" (dict "root" $root "svc" $svc) | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "baobab.configMapName" $root }}
          env:
            - name: BAOBAB_INTERNAL_SECRET
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: internal-secret
            {{- if has .key (list "gateway" "modelStore") }}
            - name: BAOBAB_DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: database-url
            {{- end }}
            {{- if eq .key "gateway" }}
            - name: BAOBAB_ADMIN_API_KEY
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: admin-api-key
            {{- end }}
            {{- if $root.Values.redis.enabled }}
            - name: BAOBAB_REDIS_URL
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: redis-url
            {{- end }}
            {{- range $name, $value := $svc.env }}
            - name: {{ $name }}
              value: {{ $value | quote }}
            {{- end }}
          {{- if $svc.startupProbe.enabled }}
          # /health answers only once start-up (migrations, model loading and warm-up) is done.
          startupProbe:
            httpGet:
              path: /health
              port: http
            periodSeconds: {{ $svc.startupProbe.periodSeconds }}
            timeoutSeconds: {{ $svc.startupProbe.timeoutSeconds }}
            failureThreshold: {{ $svc.startupProbe.failureThreshold }}
          {{- end }}
          livenessProbe:
            httpGet:
              path: /health
              port: http
            periodSeconds: {{ $svc.livenessProbe.periodSeconds }}
            timeoutSeconds: {{ $svc.livenessProbe.timeoutSeconds }}
            failureThreshold: {{ $svc.livenessProbe.failureThreshold }}
          readinessProbe:
            httpGet:
              path: /ready
              port: http
            periodSeconds: {{ $svc.readinessProbe.periodSeconds }}
            timeoutSeconds: {{ $svc.readinessProbe.timeoutSeconds }}
            failureThreshold: {{ $svc.readinessProbe.failureThreshold }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: var
              mountPath: /app/var
      volumes:
        # The root filesystem is read-only: scratch files (the CRF trainer's) go to /tmp,
        # and BAOBAB_VAR_DIR points at the second volume.
        - name: tmp
          emptyDir: {}
        - name: var
          emptyDir: {}
      {{- with $svc.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{- define "baobab.service" -}}
{{- $svc := index .root.Values .key -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "baobab.componentFullname" . }}
  labels:
    {{- include "baobab.componentLabels" . | nindent 4 }}
spec:
  type: {{ $svc.service.type }}
  ports:
    - name: http
      port: {{ $svc.service.port }}
      targetPort: http
      protocol: TCP
  selector:
    {{- include "baobab.selectorLabels" . | nindent 4 }}
{{- end -}}

{{- define "baobab.hpa" -}}
{{- $svc := index .root.Values .key -}}
{{- if $svc.autoscaling.enabled -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "baobab.componentFullname" . }}
  labels:
    {{- include "baobab.componentLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "baobab.componentFullname" . }}
  minReplicas: {{ $svc.autoscaling.minReplicas }}
  maxReplicas: {{ $svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $svc.autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}
{{- end -}}

{{- define "baobab.pdb" -}}
{{- $svc := index .root.Values .key -}}
{{- $pdb := $svc.podDisruptionBudget -}}
{{- if $pdb.enabled -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "baobab.componentFullname" . }}
  labels:
    {{- include "baobab.componentLabels" . | nindent 4 }}
spec:
  {{- if $pdb.minAvailable }}
  minAvailable: {{ $pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "baobab.selectorLabels" . | nindent 6 }}
{{- end -}}
{{- end -}}
