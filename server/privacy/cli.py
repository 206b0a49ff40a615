"""``handoff forget --customer ID [--conversation ID] [--target HOST:PORT]``: deletion on request."""

from __future__ import annotations

import argparse

from server.transport import add_client_arguments, connected


def register_cli(commands: argparse._SubParsersAction) -> None:
    forget = commands.add_parser("forget", help="delete everything a running server holds about one customer")
    forget.add_argument("--customer", required=True, help="the customer_id whose data to delete")
    forget.add_argument("--conversation", default="", help="only this conversation of theirs")
    forget.add_argument("--target", default="127.0.0.1:50051", help="server address (default 127.0.0.1:50051)")
    add_client_arguments(forget)
    forget.set_defaults(run=run_forget)


def run_forget(args: argparse.Namespace) -> int:
    from server._proto.handoff.v1 import handoff_pb2 as pb
    from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc

    request = pb.DeleteCustomerDataRequest(customer_id=args.customer, conversation_id=args.conversation)
    with connected(args) as channel:
        deleted = pb_grpc.ConversationServiceStub(channel).DeleteCustomerData(request, timeout=60)
    print(
        f"deleted for customer {args.customer}: {deleted.conversations} conversation(s), {deleted.turns} turn(s), "
        f"{deleted.packages} package(s), {deleted.external_context} pushed record(s), {deleted.events} event(s), "
        f"{deleted.feedback} feedback record(s)"
    )
    return 0
