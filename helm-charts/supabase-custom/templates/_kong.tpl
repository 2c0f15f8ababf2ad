{{/*
Kong's declarative configuration (KONG_DATABASE=off), rendered in two passes:
  1. Helm fills in everything that comes from values (upstream Service names, CORS origins);
  2. External Secrets fills in the two API keys ({{ .anonKey }}, {{ .serviceRoleKey }}, escaped
     below so Helm leaves them alone) when it writes the Secret Kong mounts.
The keys therefore exist only in Secrets Manager, the Kubernetes Secret and Kong's memory: never in
a ConfigMap, the Helm release or a container's environment.

Authorization mapping (request-transformer Lua templates, the mechanism upstream's self-hosted
kong.yml uses since 2026-03-16 for the new keys; ours is written from its documented rules):
  - an Authorization that is not "Bearer sb_..." (a user's session JWT, a legacy key) is kept;
  - a secret key (sb_secret_..., current or previous), in Authorization or else in the apikey, is
    forwarded as "Authorization: Bearer <service_role ES256 JWT>"; a publishable key as the anon
    ES256 JWT (both signed by the bootstrap Job with the current signing key; only Kong has them);
  - a legacy key (a JWT) in the apikey alone is forwarded as "Authorization: Bearer <apikey>";
  - anything else (an unknown sb_ key on a route without key-auth) is left as it came, and the
    service refuses it.
The services never see an sb_ key: none of them understands one at the pinned versions.
tests/kong_keys.rs renders these templates with LuaJIT and Penlight's template engine, as Kong's
request-transformer does (Kong/kong@3.9.1:kong/plugins/request-transformer/access.lua).

The {{ .x }} parts are External Secrets' (escaped so Helm leaves them alone); a previous key is
compared only when there is one, so an empty slot can never match an absent key.
*/}}
{{- define "supabase.kong.keyMatch" -}}
k == '{{`{{ .`}}{{ . }}{{` }}`}}'{{`{{ with .`}}{{ . }}Previous{{` }}`}} or k == '{{`{{ . }}`}}'{{`{{ end }}`}}
{{- end -}}

{{- define "supabase.kong.authExpression" -}}
Authorization: $((function(a, k) if type(a) == 'string' and a:sub(1, 10) ~= 'Bearer sb_' then return a end if type(a) == 'string' then k = a:sub(8) end if {{ include "supabase.kong.keyMatch" "secretKey" }} then return 'Bearer {{`{{ .serviceRoleJwt }}`}}' end if {{ include "supabase.kong.keyMatch" "publishableKey" }} then return 'Bearer {{`{{ .anonJwt }}`}}' end if type(k) == 'string' and k ~= '' and k:sub(1, 3) ~= 'sb_' then return 'Bearer ' .. k end return type(a) == 'string' and a or '' end)(headers.authorization, headers.apikey or query_params.apikey))
{{- end -}}

{{/* The Realtime WebSocket's token header (Realtime reads x-api-key before the apikey parameter). */}}
{{- define "supabase.kong.realtimeKeyExpression" -}}
x-api-key: $((function(k) if {{ include "supabase.kong.keyMatch" "secretKey" }} then return '{{`{{ .serviceRoleJwt }}`}}' end if {{ include "supabase.kong.keyMatch" "publishableKey" }} then return '{{`{{ .anonJwt }}`}}' end return type(k) == 'string' and k or '' end)(query_params.apikey or headers.apikey))
{{- end -}}

{{/* A request-transformer that sets a header with an expression: added when absent, replaced when
present (so a client cannot pass an sb_ key, or its own x-api-key, through). With "replaceOnly",
only a header the request carries is rewritten. */}}
{{- define "supabase.kong.transformer" -}}
- name: request-transformer
  config:
    replace:
      headers:
        - {{ .header | quote }}
    {{- if not .replaceOnly }}
    add:
      headers:
        - {{ .header | quote }}
    {{- end }}
{{- end -}}

{{/*
The plugins of a keyed route: key-auth, an ACL on the consumers' groups and, with a header, a
request-transformer that adds it. Usage:
  include "supabase.kong.keyAuth" (dict "allow" (list "admin" "anon") ["header" "Name: value"])
*/}}
{{- define "supabase.kong.keyAuth" -}}
plugins:
  - name: key-auth
    config:
      hide_credentials: false
  - name: acl
    config:
      hide_groups_header: true
      allow: [{{ join ", " .allow }}]
{{- with .header }}
  {{- include "supabase.kong.transformer" (dict "header" .) | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "supabase.kong.declarativeConfig" -}}
{{- $gotrue := include "supabase.serviceUrl" (list . "gotrue") -}}
{{- $postgrest := include "supabase.serviceUrl" (list . "postgrest") -}}
{{- $realtime := include "supabase.serviceUrl" (list . "realtime") -}}
{{- $storage := include "supabase.serviceUrl" (list . "storage") -}}
{{- $meta := include "supabase.serviceUrl" (list . "meta") -}}
{{- $auth := include "supabase.kong.authExpression" . -}}
_format_version: "3.0"

consumers:
  # Each role's legacy key (a JWT), its opaque key and, during an overlap, its previous opaque key.
  - username: anon
    keyauth_credentials:
      - key: {{`{{ .anonKey | toJson }}`}}
      - key: {{`{{ .publishableKey | toJson }}`}}
      {{- `{{ with .publishableKeyPrevious }}
      - key: {{ . | toJson }}
      {{- end }}` }}
    acls:
      - group: anon
  - username: service_role
    keyauth_credentials:
      - key: {{`{{ .serviceRoleKey | toJson }}`}}
      - key: {{`{{ .secretKey | toJson }}`}}
      {{- `{{ with .secretKeyPrevious }}
      - key: {{ . | toJson }}
      {{- end }}` }}
    acls:
      - group: admin

{{- with .Values.global.corsAllowedOrigins }}

plugins:
  # Browsers: only these origins, with credentials. Preflights are answered here (cors runs before
  # key-auth), so they need no apikey.
  - name: cors
    config:
      origins:
        {{- range . }}
        - {{ . | quote }}
        {{- end }}
      credentials: true
      methods: [GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS]
      exposed_headers: [Content-Range, Content-Location, Content-Profile, Content-Type, Preference-Applied]
      max_age: 3600
{{- end }}

services:
  ## GoTrue: e-mail links and OAuth redirects arrive without an apikey.
  {{- range $path := list "verify" "callback" "authorize" }}
  - name: auth-v1-open-{{ $path }}
    url: {{ $gotrue }}/{{ $path }}
    routes:
      - name: auth-v1-open-{{ $path }}
        strip_path: true
        paths:
          - /auth/v1/{{ $path }}
  {{- end }}

  ## GoTrue: the public signing keys, for anyone who verifies its tokens (as upstream's open
  ## auth-v1-open-jwks route).
  - name: auth-v1-open-jwks
    url: {{ $gotrue }}/.well-known/jwks.json
    routes:
      - name: auth-v1-open-jwks
        strip_path: true
        paths:
          - /auth/v1/.well-known/jwks.json

  ## GoTrue: everything else needs the anon or service_role key.
  - name: auth-v1
    url: {{ $gotrue }}/
    routes:
      - name: auth-v1-all
        strip_path: true
        paths:
          - /auth/v1/
    {{- include "supabase.kong.keyAuth" (dict "allow" (list "admin" "anon") "header" $auth) | nindent 4 }}

  ## PostgREST
  - name: rest-v1
    url: {{ $postgrest }}/
    routes:
      - name: rest-v1-all
        strip_path: true
        paths:
          - /rest/v1/
    {{- include "supabase.kong.keyAuth" (dict "allow" (list "admin" "anon") "header" $auth) | nindent 4 }}

  ## Realtime: the WebSocket (supabase-js sends the apikey in the query string). Kong proxies the
  ## HTTP/1.1 Upgrade over an http service. The Host header Kong sends is the Service name, whose
  ## first DNS label is Realtime's tenant (SELF_HOST_TENANT_NAME).
  - name: realtime-v1-ws
    url: {{ $realtime }}/socket
    read_timeout: 3600000
    write_timeout: 3600000
    routes:
      - name: realtime-v1-ws
        strip_path: true
        paths:
          - /realtime/v1/
    {{- include "supabase.kong.keyAuth" (dict "allow" (list "admin" "anon") "header" (include "supabase.kong.realtimeKeyExpression" .)) | nindent 4 }}

  ## Realtime: the tenant-management and OpenAPI endpoints are not for clients (the tenant API
  ## accepts any JWT signed with the JWT secret, the service_role key included).
  {{- range $path := list "tenants" "openapi" }}
  - name: realtime-v1-rest-{{ $path }}-blocked
    url: {{ $realtime }}/api/{{ $path }}
    routes:
      - name: realtime-v1-rest-{{ $path }}-blocked
        strip_path: true
        paths:
          - /realtime/v1/api/{{ $path }}
    plugins:
      - name: request-termination
        config:
          status_code: 403
          message: Forbidden
  {{- end }}

  ## Realtime: the REST API (broadcast from servers).
  - name: realtime-v1-rest
    url: {{ $realtime }}/api
    routes:
      - name: realtime-v1-rest
        strip_path: true
        paths:
          - /realtime/v1/api
    {{- include "supabase.kong.keyAuth" (dict "allow" (list "admin" "anon") "header" $auth) | nindent 4 }}

  ## Storage checks JWTs itself (public objects and signed URLs carry none): no key-auth.
  - name: storage-v1
    url: {{ $storage }}/
    routes:
      - name: storage-v1-all
        strip_path: true
        # Stream uploads and downloads instead of spooling them to Kong's disk.
        request_buffering: false
        response_buffering: false
        paths:
          - /storage/v1/
    # Uploads up to storage.fileSizeLimitBytes.
    read_timeout: 300000
    write_timeout: 300000
    # An sb_ key in Authorization becomes its role's JWT; a request without Authorization
    # (public objects, signed URLs) stays without.
    plugins:
      {{- include "supabase.kong.transformer" (dict "header" $auth "replaceOnly" true) | nindent 6 }}

  ## postgres-meta: the service_role key only.
  - name: meta
    url: {{ $meta }}/
    routes:
      - name: meta-all
        strip_path: true
        paths:
          - /pg/
    {{- include "supabase.kong.keyAuth" (dict "allow" (list "admin")) | nindent 4 }}
{{- if .Values.functions.enabled }}

  ## Edge Functions: the main service verifies the caller's JWT itself (as upstream's kong.yml
  ## leaves it to the functions' main worker): no key-auth.
  - name: functions-v1
    url: {{ include "supabase.serviceUrl" (list . "functions") }}/
    routes:
      - name: functions-v1-all
        strip_path: true
        paths:
          - /functions/v1/
    # A function may run up to its worker timeout (60 s) after a cold start.
    read_timeout: 150000
    plugins:
      {{- include "supabase.kong.transformer" (dict "header" $auth "replaceOnly" true) | nindent 6 }}
{{- end }}
{{- end -}}
