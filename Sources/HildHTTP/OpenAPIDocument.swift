// Generated from docs/api/openapi.yaml, which is the document to edit; then regenerate this file:
//   { sed -n 1,4p Sources/HildHTTP/OpenAPIDocument.swift; echo "enum OpenAPIDocument {"; echo "    static let yaml = #\"\"\""; cat docs/api/openapi.yaml; echo; echo "\"\"\"#"; echo "}"; } > /tmp/doc.swift && mv /tmp/doc.swift Sources/HildHTTP/OpenAPIDocument.swift
// A test fails when the two differ. Embedded (rather than a bundle resource) so the hild binary
// serves its own description with no files beside it.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: hild API
  version: "1"
  summary: The HTTP/JSON API of hild, the hardware-in-the-loop bench daemon for TinyML on STM32.
  description: |
    hild serves this API on a Unix socket (no token; the socket file's mode 0660 is the access
    control) and optionally on TCP, where every request except `GET /healthz` needs
    `Authorization: Bearer <token>`.

    JSON uses snake_case keys and ISO 8601 dates with fractional seconds. Optional fields are
    omitted rather than sent as null. Every 4xx/5xx answer carries an `ErrorBody` whose
    `error.message` names the input at fault and what to do.
servers:
  - url: http://localhost
    description: The Unix socket (e.g. curl --unix-socket /run/hild/hild.sock http://localhost/healthz)
security:
  - {}
  - bearer: []
tags:
  - name: system
  - name: boards
  - name: jobs
  - name: artifacts
paths:
  /healthz:
    get:
      tags: [system]
      operationId: health
      summary: Liveness and a count of boards and jobs; open without a token on TCP too.
      security: []
      responses:
        "200":
          description: hild is up.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/HealthStatus"
  /metrics:
    get:
      tags: [system]
      operationId: metrics
      summary: Prometheus text exposition of the bench's metrics.
      responses:
        "200":
          description: The metrics.
          content:
            text/plain; version=0.0.4:
              schema:
                type: string
        "401":
          $ref: "#/components/responses/Unauthorized"
  /openapi.yaml:
    get:
      tags: [system]
      operationId: openAPI
      summary: This document.
      responses:
        "200":
          description: The OpenAPI document.
          content:
            application/yaml:
              schema:
                description: This document, which parses as a YAML mapping.
                type: object
        "401":
          $ref: "#/components/responses/Unauthorized"
  /v1/boards:
    get:
      tags: [boards]
      operationId: listBoards
      summary: Every board of the bench.
      responses:
        "200":
          description: The boards.
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: "#/components/schemas/BoardInfo"
        "401":
          $ref: "#/components/responses/Unauthorized"
  /v1/boards/{id}:
    get:
      tags: [boards]
      operationId: getBoard
      summary: One board, by its id (the probe's USB serial, or qemu-N).
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
      responses:
        "200":
          description: The board.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/BoardInfo"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
  /v1/jobs:
    post:
      tags: [jobs]
      operationId: submitJob
      summary: Queue a job.
      requestBody:
        required: true
        description: At most max_json_bytes (1 MiB by default).
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/JobSpec"
      responses:
        "201":
          description: Queued.
          headers:
            Location:
              description: The job's URL, /v1/jobs/{id}.
              schema:
                type: string
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/JobRecord"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "413":
          $ref: "#/components/responses/TooLarge"
    get:
      tags: [jobs]
      operationId: listJobs
      summary: Jobs, newest first.
      parameters:
        - name: state
          in: query
          required: false
          schema:
            $ref: "#/components/schemas/JobState"
        - name: limit
          in: query
          required: false
          schema:
            type: integer
            minimum: 1
            maximum: 10000
            default: 100
      responses:
        "200":
          description: The jobs.
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: "#/components/schemas/JobRecord"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
  /v1/jobs/{id}:
    get:
      tags: [jobs]
      operationId: getJob
      summary: One job.
      parameters:
        - $ref: "#/components/parameters/JobID"
      responses:
        "200":
          description: The job.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/JobRecord"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
  /v1/jobs/{id}/cancel:
    post:
      tags: [jobs]
      operationId: cancelJob
      summary: Cancel a job; a queued job at once, a running one at its next sample.
      parameters:
        - $ref: "#/components/parameters/JobID"
      responses:
        "200":
          description: The job after the request.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/JobRecord"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
  /v1/jobs/{id}/events:
    get:
      tags: [jobs]
      operationId: jobEvents
      summary: The job's events; with Accept text/event-stream, a live stream that ends with the job.
      description: |
        As `text/event-stream`, each event is sent as `id: <seq>`, `event: <kind>` and
        `data: <JobEvent JSON>` lines; a `: keep-alive` comment follows 15 s of silence. The
        response ends after the job's `finished` event. `Last-Event-ID` resumes after that seq
        and takes precedence over `after`.
      parameters:
        - $ref: "#/components/parameters/JobID"
        - name: after
          in: query
          required: false
          description: Only events with a greater seq.
          schema:
            type: integer
            format: int64
            minimum: 0
            default: 0
        - name: Last-Event-ID
          in: header
          required: false
          schema:
            type: integer
            format: int64
            minimum: 0
      responses:
        "200":
          description: The events, oldest first.
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: "#/components/schemas/JobEvent"
            text/event-stream:
              schema:
                type: string
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
  /v1/jobs/{id}/report:
    get:
      tags: [jobs]
      operationId: jobReport
      summary: The EvaluationReport (schema_version 2) of a finished job, as stored.
      parameters:
        - $ref: "#/components/parameters/JobID"
      responses:
        "200":
          description: The report.
          content:
            application/json:
              schema:
                type: object
                properties:
                  schema_version:
                    type: integer
                  profile:
                    type: object
                    description: Where an inference's time and memory go - per-layer cycles (median over the profiled inputs, `requested_inputs` and `profiled_inputs`), microseconds, cycles per MAC, share, the hottest layers marked, and the arena and stack the device measured. Absent when no input was profiled.
                    additionalProperties: true
                additionalProperties: true
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
  /v1/artifacts:
    post:
      tags: [artifacts]
      operationId: putArtifact
      summary: Store bytes content-addressed (idempotent; the id is their SHA-256).
      parameters:
        - name: kind
          in: query
          required: true
          schema:
            $ref: "#/components/schemas/ArtifactKind"
      requestBody:
        required: true
        description: The raw bytes, at most max_upload_bytes (512 MiB by default).
        content:
          application/octet-stream:
            schema:
              type: string
              contentMediaType: application/octet-stream
      responses:
        "201":
          description: Stored.
          headers:
            Location:
              description: The artifact's URL, /v1/artifacts/{sha256}.
              schema:
                type: string
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ArtifactInfo"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "413":
          $ref: "#/components/responses/TooLarge"
        "507":
          $ref: "#/components/responses/InsufficientStorage"
  /v1/artifacts/{sha256}:
    get:
      tags: [artifacts]
      operationId: getArtifact
      summary: An artifact's metadata; clients ask before uploading to skip bytes hild has.
      parameters:
        - name: sha256
          in: path
          required: true
          schema:
            $ref: "#/components/schemas/ArtifactID"
      responses:
        "200":
          description: The artifact is stored.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ArtifactInfo"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
      description: Needed on the TCP listener for everything but GET /healthz; not on the Unix socket.
  parameters:
    JobID:
      name: id
      in: path
      required: true
      schema:
        type: integer
        format: int64
        minimum: 1
  responses:
    BadRequest:
      description: The request is malformed; the message names the field or parameter.
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/ErrorBody"
    Unauthorized:
      description: "TCP only: the bearer token is missing or wrong."
      headers:
        WWW-Authenticate:
          schema:
            type: string
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/ErrorBody"
    NotFound:
      description: No such board, job, artifact or route.
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/ErrorBody"
    Conflict:
      description: The job is in a state that does not allow this (e.g. cancelling a finished job).
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/ErrorBody"
    TooLarge:
      description: The body is over hild's limit; the message gives the limit.
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/ErrorBody"
    InsufficientStorage:
      description: hild's disk is full.
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/ErrorBody"
  schemas:
    ErrorBody:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [status, code, message]
          properties:
            status:
              type: integer
            code:
              type: string
              description: Stable, for clients to branch on (e.g. job_not_found, invalid_json, too_large, unauthorized).
            message:
              type: string
    HealthStatus:
      type: object
      required: [status, version, boards, queued, running]
      properties:
        status:
          type: string
          examples: [ok]
        version:
          type: string
        boards:
          type: integer
        queued:
          type: integer
        running:
          type: integer
    BoardKind:
      type: string
      enum: [usb, mock, qemu]
    BoardState:
      type: string
      enum: [idle, busy, offline, quarantined]
    BoardInfo:
      type: object
      required: [id, kind, board_type, tags, state, consecutive_infra_failures, jobs_run, last_seen]
      properties:
        id:
          type: string
        kind:
          $ref: "#/components/schemas/BoardKind"
        board_type:
          type: string
        tags:
          type: array
          items:
            type: string
        state:
          $ref: "#/components/schemas/BoardState"
        reason:
          type: string
        probe_serial:
          type: string
        probe_model:
          type: string
        serial_port:
          type: string
        host:
          type: string
          description: The hild whose board it is, on a bench of several hosts sharing one store (absent on a bench of one host).
        current_job:
          type: integer
          format: int64
        consecutive_infra_failures:
          type: integer
        jobs_run:
          type: integer
        last_seen:
          type: string
          format: date-time
    BoardSelector:
      type: object
      description: Every field given must match; an empty selector matches any board.
      properties:
        board_type:
          type: string
        tag:
          type: string
        board:
          type: string
        kind:
          $ref: "#/components/schemas/BoardKind"
        host:
          type: string
          description: Only the boards of this hild, on a bench of several hosts.
    ArtifactID:
      type: string
      pattern: "^[0-9a-f]{64}$"
      description: The lowercase hex SHA-256 of the artifact's bytes.
    ArtifactKind:
      type: string
      enum: [model, firmware, dataset, labels]
    ArtifactInfo:
      type: object
      required: [id, kind, size, created_at]
      properties:
        id:
          $ref: "#/components/schemas/ArtifactID"
        kind:
          $ref: "#/components/schemas/ArtifactKind"
        size:
          type: integer
        created_at:
          type: string
          format: date-time
    JobOptions:
      type: object
      properties:
        limit:
          type: integer
          minimum: 1
        baud:
          type: integer
        warmup:
          type: integer
          minimum: 0
          maximum: 100000
          default: 0
        repeats:
          type: integer
          minimum: 1
          maximum: 1000
          default: 1
        pixels:
          type: string
          enum: [unit, centered, raw]
          description: How the model reads 8-bit pixels. Leave it out to use the range the model records (unit for a model that records none); one that contradicts the model is refused with 400 pixels_contradict_model.
        profile:
          type: integer
          minimum: 0
          maximum: 1000
          default: 5
          description: Inputs (the first of the test set's order) profiled layer by layer; 0 for none. The report's `profile` holds the table.
    Thresholds:
      type: object
      properties:
        min_top1:
          type: number
        max_p50_ms:
          type: number
        max_p99_ms:
          type: number
        min_agreement:
          type: number
    JobSpec:
      type: object
      required: [model, dataset]
      properties:
        name:
          type: string
        model:
          $ref: "#/components/schemas/ArtifactID"
        firmware:
          $ref: "#/components/schemas/ArtifactID"
        dataset:
          $ref: "#/components/schemas/ArtifactID"
        labels:
          $ref: "#/components/schemas/ArtifactID"
        selector:
          $ref: "#/components/schemas/BoardSelector"
        options:
          $ref: "#/components/schemas/JobOptions"
        thresholds:
          $ref: "#/components/schemas/Thresholds"
        priority:
          type: integer
          default: 0
        health_check:
          type: boolean
          default: false
    JobState:
      type: string
      enum: [queued, running, passed, failed, errored, cancelled]
    JobProgress:
      type: object
      required: [phase, done, total]
      properties:
        phase:
          type: string
          examples: [flashing, hello, streaming]
        done:
          type: integer
        total:
          type: integer
        accuracy:
          type: number
    ThresholdCheck:
      type: object
      required: [name, limit, passed]
      properties:
        name:
          type: string
          enum: [min_top1, max_p50_ms, max_p99_ms, min_agreement]
        limit:
          type: number
        actual:
          type: number
        passed:
          type: boolean
    JobSummary:
      type: object
      required: [samples, top1, agreement, timer_kind]
      properties:
        samples:
          type: integer
        top1:
          type: number
        agreement:
          type: number
        p50_ms:
          type: number
        p99_ms:
          type: number
        timer_kind:
          type: string
    JobRecord:
      type: object
      required: [id, spec, state, attempts, failed_boards, submitted_at, checks]
      properties:
        id:
          type: integer
          format: int64
        spec:
          $ref: "#/components/schemas/JobSpec"
        state:
          $ref: "#/components/schemas/JobState"
        reason:
          type: string
        failure_kind:
          type: string
          enum: [thresholds, input, infrastructure, interrupted, cancelled]
        attempts:
          type: integer
        board:
          type: string
        host:
          type: string
          description: The hild that runs or ran the job, on a bench of several hosts.
        failed_boards:
          type: array
          items:
            type: string
        submitted_at:
          type: string
          format: date-time
        started_at:
          type: string
          format: date-time
        finished_at:
          type: string
          format: date-time
        progress:
          $ref: "#/components/schemas/JobProgress"
        summary:
          $ref: "#/components/schemas/JobSummary"
        checks:
          type: array
          items:
            $ref: "#/components/schemas/ThresholdCheck"
    JobEvent:
      type: object
      required: [seq, job_id, time, kind, message]
      properties:
        seq:
          type: integer
          format: int64
        job_id:
          type: integer
          format: int64
        time:
          type: string
          format: date-time
        kind:
          type: string
          examples: [queued, assigned, flashing, hello, progress, retry, log, finished, cancel_requested, requeued, lease_expired]
        message:
          type: string
        board:
          type: string
        progress:
          $ref: "#/components/schemas/JobProgress"
        state:
          $ref: "#/components/schemas/JobState"

"""#
}
