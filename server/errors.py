"""Domain errors, each carrying the gRPC status it maps to.

One interceptor (server.api.interceptors) translates them; anything else becomes
INTERNAL with a generic message and a logged traceback. Messages say how to fix
the problem.
"""

from __future__ import annotations

import grpc


class HandoffError(Exception):
    status: grpc.StatusCode = grpc.StatusCode.INTERNAL


class InvalidArgumentError(HandoffError):
    status = grpc.StatusCode.INVALID_ARGUMENT


class NotFoundError(HandoffError):
    status = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(HandoffError):
    status = grpc.StatusCode.ALREADY_EXISTS


class FailedPreconditionError(HandoffError):
    status = grpc.StatusCode.FAILED_PRECONDITION


class ResourceExhaustedError(HandoffError):
    status = grpc.StatusCode.RESOURCE_EXHAUSTED


class UnavailableError(HandoffError):
    status = grpc.StatusCode.UNAVAILABLE


class DeadlineExceededError(HandoffError):
    status = grpc.StatusCode.DEADLINE_EXCEEDED


class PermissionDeniedError(HandoffError):
    status = grpc.StatusCode.PERMISSION_DENIED


class UnauthenticatedError(HandoffError):
    status = grpc.StatusCode.UNAUTHENTICATED


class StoreUnavailableError(UnavailableError):
    """The context store (Redis, or the SQLite file) cannot be reached; health marks it down."""


class KnowledgeUnavailableError(UnavailableError):
    """The vector store (Chroma) cannot be reached; health marks the knowledge service down."""
